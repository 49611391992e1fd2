import torch
import torch.nn as nn
from sewidth import squeeze_width


class VendorSE(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Linear(channels, squeeze_width(channels))
        self.fc2 = nn.Linear(squeeze_width(channels), channels)

    def forward(self, x):
        b, c, _, _ = x.shape
        w = torch.sigmoid(self.fc2(torch.relu(self.fc1(self.pool(x).view(b, c)))))
        return x * w.view(b, c, 1, 1)


if __name__ == "__main__":
    VendorSE(64)(torch.rand(2, 64, 8, 8))
