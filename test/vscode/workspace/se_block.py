import torch
import torch.nn as nn


class SEBlock(nn.Module):
    def __init__(self, channels, ratio=4, mode="avg"):
        super().__init__()
        self.avg_pooling = nn.AdaptiveAvgPool2d(1)
        self.max_polling = nn.AdaptiveMaxPool2d(1)
        if mode == "max":
            self.global_pooling = self.max_polling
        elif mode == "avg":
            self.global_pooling = self.avg_pooling
        self.fc_layers = nn.Sequential(
            nn.Linear(channels, channels // ratio, bias=False),
            nn.ReLU(),
            nn.Linear(channels // ratio, channels, bias=False),
        )
        self.sigmoid = nn.Sigmoid()

    def forward(self, X):
        b, c, h, w = X.shape
        v = self.global_pooling(X).view(b, c)
        v = self.fc_layers(v).view(b, c, 1, 1)
        v = self.sigmoid(v)
        return X * v


class Stem(nn.Module):
    def __init__(self, in_channels=3, channels=32):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, channels, kernel_size=3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(channels)
        self.act = nn.ReLU()

    def forward(self, x):
        x = self.conv(x)
        x = self.bn(x)
        return self.act(x)


if __name__ == "__main__":
    inputs = torch.rand(4, 32, 16, 16)
    in_channel = inputs.shape[1]
    model = SEBlock(channels=in_channel)
    outputs = model(inputs)
    print(outputs.shape)
