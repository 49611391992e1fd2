def squeeze_channels(channels, ratio):
    return channels // ratio
