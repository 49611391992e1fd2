/**
 * SpeechBrain's layer wrappers as the catalogue knows them, for projects where speechbrain is not on disk
 * (its ECAPA-TDNN SE blocks are built from them): `speechbrain.nnet.CNN.Conv1d` (channels-last unless
 * `skip_transpose`, "same" padding by reflection), `speechbrain.nnet.normalization.BatchNorm1d`,
 * `speechbrain.nnet.linear.Linear` and `speechbrain.dataio.dataio.length_to_mask`. Signatures, defaults and
 * submodule names (`conv`, `norm`, `w`) follow speechbrain 0.5 / 1.0; its own source wins when it is found.
 */
export const SPEECHBRAIN_MODULES: Readonly<Record<string, string>> = {
  'speechbrain/__init__.py': ``,
  'speechbrain/nnet/__init__.py': ``,
  'speechbrain/nnet/CNN.py': `
import math

import torch.nn as nn
import torch.nn.functional as F


def get_padding_elem(L_in, stride, kernel_size, dilation):
    if stride > 1:
        padding = [kernel_size // 2, kernel_size // 2]
    else:
        L_out = int((L_in - dilation * (kernel_size - 1) - 1) / stride + 1)
        padding = [(L_in - L_out) // 2, (L_in - L_out) // 2]
    return padding


class Conv1d(nn.Module):
    def __init__(self, out_channels, kernel_size, input_shape=None, in_channels=None, stride=1, dilation=1,
                 padding="same", groups=1, bias=True, padding_mode="reflect", skip_transpose=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride
        self.dilation = dilation
        self.padding = padding
        self.padding_mode = padding_mode
        self.unsqueeze = False
        self.skip_transpose = skip_transpose
        if in_channels is None:
            if len(input_shape) == 2:
                self.unsqueeze = True
                in_channels = 1
            elif self.skip_transpose:
                in_channels = input_shape[1]
            else:
                in_channels = input_shape[2]
        self.conv = nn.Conv1d(in_channels, out_channels, self.kernel_size, stride=self.stride,
                              dilation=self.dilation, padding=0, groups=groups, bias=bias)

    def forward(self, x):
        if not self.skip_transpose:
            x = x.transpose(1, -1)
        if self.unsqueeze:
            x = x.unsqueeze(1)
        if self.padding == "same":
            x = F.pad(x, get_padding_elem(x.shape[-1], self.stride, self.kernel_size, self.dilation), mode=self.padding_mode)
        elif self.padding == "causal":
            x = F.pad(x, ((self.kernel_size - 1) * self.dilation, 0))
        wx = self.conv(x)
        if self.unsqueeze:
            wx = wx.squeeze(1)
        if not self.skip_transpose:
            wx = wx.transpose(1, -1)
        return wx
`,
  'speechbrain/nnet/normalization.py': `
import torch.nn as nn


class BatchNorm1d(nn.Module):
    def __init__(self, input_shape=None, input_size=None, eps=1e-05, momentum=0.1, affine=True,
                 track_running_stats=True, combine_batch_time=False, skip_transpose=False):
        super().__init__()
        self.combine_batch_time = combine_batch_time
        self.skip_transpose = skip_transpose
        if input_size is None and skip_transpose:
            input_size = input_shape[1]
        elif input_size is None:
            input_size = input_shape[-1]
        self.norm = nn.BatchNorm1d(input_size, eps=eps, momentum=momentum, affine=affine,
                                   track_running_stats=track_running_stats)

    def forward(self, x):
        if not self.skip_transpose:
            x = x.transpose(-1, 1)
        x_n = self.norm(x)
        if not self.skip_transpose:
            x_n = x_n.transpose(1, -1)
        return x_n
`,
  'speechbrain/nnet/linear.py': `
import torch.nn as nn


class Linear(nn.Module):
    def __init__(self, n_neurons, input_shape=None, input_size=None, bias=True, max_norm=None, combine_dims=False):
        super().__init__()
        self.combine_dims = combine_dims
        if input_size is None:
            input_size = input_shape[-1]
        self.w = nn.Linear(input_size, n_neurons, bias=bias)

    def forward(self, x):
        return self.w(x)
`,
  'speechbrain/dataio/__init__.py': ``,
  'speechbrain/dataio/dataio.py': `
import torch


def length_to_mask(length, max_len=None, dtype=None, device=None):
    if max_len is None:
        max_len = length.max().long().item()
    mask = torch.arange(max_len, device=length.device, dtype=length.dtype).expand(len(length), max_len) < length.unsqueeze(1)
    return mask
`,
};
