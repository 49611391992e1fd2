import torch
import torch.nn as nn

from .helpers import squeeze_channels


class HelperSE(nn.Module):
    def __init__(self, channels, ratio=4):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze_channels(channels, ratio), 1)
        self.act = nn.ReLU()
        self.fc2 = nn.Conv2d(squeeze_channels(channels, ratio), channels, 1)
        self.gate = nn.Sigmoid()

    def forward(self, x):
        s = self.act(self.fc1(self.pool(x)))
        return x * self.gate(self.fc2(s))


if __name__ == "__main__":
    print(HelperSE(32)(torch.rand(4, 32, 16, 16)).shape)
