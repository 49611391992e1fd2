/**
 * OpenMMLab's layer builders as the catalogue knows them, for projects where mmcv / mmengine is not on disk
 * (mmdet, mmseg, mmpretrain, mmpose models all build their SE layers from them): `ConvModule`, the
 * `build_conv_layer` / `build_norm_layer` / `build_activation_layer` config-dict factories, mmcv's `HSigmoid`,
 * `HSwish` and `Swish`, and `BaseModule`. Signatures, defaults and the names of registered submodules follow
 * mmcv 1.7 / 2.x (`conv`, then the norm under its abbreviation `bn` / `gn` / `ln` / `in`, then `activate`);
 * mmcv's own source wins when it is found.
 */
export const MMCV_MODULES: Readonly<Record<string, string>> = {
  'mmcv/__init__.py': `
def is_seq_of(seq, expected_type, seq_type=None):
    exp_seq_type = (list, tuple) if seq_type is None else seq_type
    if not isinstance(seq, exp_seq_type):
        return False
    for item in seq:
        if not isinstance(item, expected_type):
            return False
    return True


def is_tuple_of(seq, expected_type):
    return is_seq_of(seq, expected_type, seq_type=tuple)


def is_list_of(seq, expected_type):
    return is_seq_of(seq, expected_type, seq_type=list)
`,
  'mmcv/cnn/__init__.py': `from .bricks import *\n`,
  'mmcv/cnn/bricks/__init__.py': `
from .activation import build_activation_layer, HSigmoid, HSwish, Swish
from .conv import build_conv_layer
from .norm import build_norm_layer
from .conv_module import ConvModule
`,
  'mmcv/cnn/bricks/activation.py': `
import torch
import torch.nn as nn


class HSigmoid(nn.Module):
    def __init__(self, bias=3.0, divisor=6.0, min_value=0.0, max_value=1.0):
        super().__init__()
        self.bias = bias
        self.divisor = divisor
        self.min_value = min_value
        self.max_value = max_value

    def forward(self, x):
        x = (x + self.bias) / self.divisor
        return x.clamp_(self.min_value, self.max_value)


class HSwish(nn.Module):
    def __init__(self, inplace=False):
        super().__init__()
        self.act = nn.ReLU6(inplace)

    def forward(self, x):
        return x * self.act(x + 3) / 6


class Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


ACTIVATION_LAYERS = dict(
    ReLU=nn.ReLU, LeakyReLU=nn.LeakyReLU, PReLU=nn.PReLU, ReLU6=nn.ReLU6, ELU=nn.ELU, Sigmoid=nn.Sigmoid,
    Tanh=nn.Tanh, SiLU=nn.SiLU, GELU=nn.GELU, HSigmoid=HSigmoid, HSwish=HSwish, Swish=Swish,
)


def build_activation_layer(cfg):
    cfg_ = cfg.copy()
    layer_type = cfg_.pop('type')
    return ACTIVATION_LAYERS[layer_type](**cfg_)
`,
  'mmcv/cnn/bricks/conv.py': `
import torch.nn as nn

CONV_LAYERS = dict(Conv1d=nn.Conv1d, Conv2d=nn.Conv2d, Conv3d=nn.Conv3d, Conv=nn.Conv2d)


def build_conv_layer(cfg, *args, **kwargs):
    if cfg is None:
        cfg_ = dict(type='Conv2d')
    else:
        cfg_ = cfg.copy()
    layer_type = cfg_.pop('type')
    return CONV_LAYERS[layer_type](*args, **kwargs, **cfg_)
`,
  'mmcv/cnn/bricks/norm.py': `
import torch.nn as nn

NORM_LAYERS = dict(
    BN=nn.BatchNorm2d, BN1d=nn.BatchNorm1d, BN2d=nn.BatchNorm2d, BN3d=nn.BatchNorm3d, SyncBN=nn.BatchNorm2d,
    GN=nn.GroupNorm, LN=nn.LayerNorm, IN=nn.InstanceNorm2d, IN1d=nn.InstanceNorm1d, IN2d=nn.InstanceNorm2d,
    IN3d=nn.InstanceNorm3d,
)
ABBREVIATIONS = dict(
    BN='bn', BN1d='bn', BN2d='bn', BN3d='bn', SyncBN='bn', GN='gn', LN='ln', IN='in', IN1d='in', IN2d='in', IN3d='in',
)


def build_norm_layer(cfg, num_features, postfix=''):
    cfg_ = cfg.copy()
    layer_type = cfg_.pop('type')
    name = ABBREVIATIONS[layer_type] + str(postfix)
    cfg_.pop('requires_grad', True)
    cfg_.setdefault('eps', 1e-5)
    if layer_type != 'GN':
        layer = NORM_LAYERS[layer_type](num_features, **cfg_)
    else:
        layer = nn.GroupNorm(num_channels=num_features, **cfg_)
    return name, layer
`,
  'mmcv/cnn/bricks/conv_module.py': `
import torch.nn as nn

from .activation import build_activation_layer
from .conv import build_conv_layer
from .norm import build_norm_layer


class ConvModule(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias='auto', conv_cfg=None, norm_cfg=None, act_cfg=dict(type='ReLU'), inplace=True,
                 with_spectral_norm=False, padding_mode='zeros', order=('conv', 'norm', 'act')):
        super().__init__()
        self.order = order
        self.with_norm = norm_cfg is not None
        self.with_activation = act_cfg is not None
        if bias == 'auto':
            bias = not self.with_norm
        self.with_bias = bias
        self.conv = build_conv_layer(conv_cfg, in_channels, out_channels, kernel_size, stride=stride,
                                     padding=padding, dilation=dilation, groups=groups, bias=bias)
        if self.with_norm:
            if order.index('norm') > order.index('conv'):
                norm_channels = out_channels
            else:
                norm_channels = in_channels
            self.norm_name, norm = build_norm_layer(norm_cfg, norm_channels)
            self.add_module(self.norm_name, norm)
        else:
            self.norm_name = None
        if self.with_activation:
            act_cfg_ = act_cfg.copy()
            if act_cfg_['type'] not in ['Tanh', 'PReLU', 'Sigmoid', 'HSigmoid', 'Swish', 'GELU']:
                act_cfg_.setdefault('inplace', inplace)
            self.activate = build_activation_layer(act_cfg_)

    @property
    def norm(self):
        if self.norm_name:
            return getattr(self, self.norm_name)
        return None

    def forward(self, x, activate=True, norm=True):
        for layer in self.order:
            if layer == 'conv':
                x = self.conv(x)
            elif layer == 'norm' and norm and self.with_norm:
                x = self.norm(x)
            elif layer == 'act' and activate and self.with_activation:
                x = self.activate(x)
        return x
`,
  'mmcv/runner/__init__.py': `from mmengine.model import BaseModule, Sequential, ModuleList\n`,
  'mmengine/__init__.py': `from . import model\n`,
  'mmengine/model/__init__.py': `
import torch.nn as nn


class BaseModule(nn.Module):
    def __init__(self, init_cfg=None):
        super().__init__()
        self.init_cfg = init_cfg


class Sequential(BaseModule, nn.Sequential):
    def __init__(self, *args, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)


class ModuleList(BaseModule, nn.ModuleList):
    def __init__(self, modules=None, init_cfg=None):
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)
`,
};
