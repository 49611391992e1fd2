def squeeze_width(channels):
    return channels // 4
