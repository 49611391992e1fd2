/**
 * timm's layer helpers as the catalogue knows them, for projects where timm's source is not on disk:
 * `make_divisible`, `get_act_layer` / `create_act_layer`, `SEModule` / `EffectiveSEModule`, `ConvMlp`,
 * under `timm.layers` and the older `timm.models.layers`. Signatures and defaults follow timm's public
 * API; timm's own source wins when it is found.
 */
export const TIMM_MODULES: Readonly<Record<string, string>> = {
  'timm/__init__.py': `from . import layers\n`,
  'timm/layers/__init__.py': `
from .helpers import make_divisible, to_2tuple
from .create_act import get_act_layer, create_act_layer
from .squeeze_excite import SEModule, SqueezeExcite, EffectiveSEModule, EffectiveSqueezeExcite
from .mlp import ConvMlp
`,
  'timm/models/__init__.py': `from . import layers\n`,
  'timm/models/layers/__init__.py': `from timm.layers import *\nfrom timm.layers import make_divisible, get_act_layer, create_act_layer\n`,
  'timm/layers/helpers.py': `
def make_divisible(v, divisor=8, min_value=None, round_limit=.9):
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < round_limit * v:
        new_v += divisor
    return new_v


def to_2tuple(x):
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x, x)
`,
  'timm/layers/create_act.py': `
from torch import nn
from torch.nn import functional as F

_ACT_LAYERS = dict(
    silu=nn.SiLU, swish=nn.SiLU, mish=nn.Mish, relu=nn.ReLU, relu6=nn.ReLU6, leaky_relu=nn.LeakyReLU, elu=nn.ELU,
    celu=nn.CELU, selu=nn.SELU, gelu=nn.GELU, sigmoid=nn.Sigmoid, tanh=nn.Tanh, hard_sigmoid=nn.Hardsigmoid,
    hard_swish=nn.Hardswish, identity=nn.Identity, prelu=nn.PReLU,
)


def get_act_layer(name='relu'):
    if name is None:
        return None
    if not isinstance(name, str):
        return name
    if not name:
        return None
    return _ACT_LAYERS[name]


def create_act_layer(name, inplace=None, **kwargs):
    act_layer = get_act_layer(name)
    if act_layer is None:
        return None
    if inplace is None or act_layer in (nn.Sigmoid, nn.Tanh, nn.Identity, nn.GELU, nn.PReLU):
        return act_layer(**kwargs)
    return act_layer(inplace=inplace, **kwargs)
`,
  'timm/layers/squeeze_excite.py': `
from torch import nn

from .create_act import create_act_layer
from .helpers import make_divisible


class SEModule(nn.Module):
    def __init__(self, channels, rd_ratio=1. / 16, rd_channels=None, rd_divisor=8, add_maxpool=False, bias=True,
                 act_layer=nn.ReLU, norm_layer=None, gate_layer='sigmoid'):
        super(SEModule, self).__init__()
        self.add_maxpool = add_maxpool
        if not rd_channels:
            rd_channels = make_divisible(channels * rd_ratio, rd_divisor, round_limit=0.)
        self.fc1 = nn.Conv2d(channels, rd_channels, kernel_size=1, bias=bias)
        self.bn = norm_layer(rd_channels) if norm_layer else nn.Identity()
        self.act = create_act_layer(act_layer, inplace=True)
        self.fc2 = nn.Conv2d(rd_channels, channels, kernel_size=1, bias=bias)
        self.gate = create_act_layer(gate_layer)

    def forward(self, x):
        x_se = x.mean((2, 3), keepdim=True)
        if self.add_maxpool:
            x_se = 0.5 * x_se + 0.5 * x.amax((2, 3), keepdim=True)
        x_se = self.fc1(x_se)
        x_se = self.act(self.bn(x_se))
        x_se = self.fc2(x_se)
        return x * self.gate(x_se)


SqueezeExcite = SEModule


class EffectiveSEModule(nn.Module):
    def __init__(self, channels, add_maxpool=False, gate_layer='hard_sigmoid', **_):
        super(EffectiveSEModule, self).__init__()
        self.add_maxpool = add_maxpool
        self.fc = nn.Conv2d(channels, channels, kernel_size=1, padding=0)
        self.gate = create_act_layer(gate_layer)

    def forward(self, x):
        x_se = x.mean((2, 3), keepdim=True)
        if self.add_maxpool:
            x_se = 0.5 * x_se + 0.5 * x.amax((2, 3), keepdim=True)
        x_se = self.fc(x_se)
        return x * self.gate(x_se)


EffectiveSqueezeExcite = EffectiveSEModule
`,
  'timm/layers/mlp.py': `
from torch import nn


class ConvMlp(nn.Module):
    def __init__(self, in_features, hidden_features=None, out_features=None, act_layer=nn.ReLU, norm_layer=None,
                 bias=True, drop=0.):
        super().__init__()
        out_features = out_features or in_features
        hidden_features = hidden_features or in_features
        self.fc1 = nn.Conv2d(in_features, hidden_features, kernel_size=1, bias=bias)
        self.norm = norm_layer(hidden_features) if norm_layer else nn.Identity()
        self.act = act_layer()
        self.drop = nn.Dropout(drop)
        self.fc2 = nn.Conv2d(hidden_features, out_features, kernel_size=1, bias=bias)

    def forward(self, x):
        x = self.fc1(x)
        x = self.norm(x)
        x = self.act(x)
        x = self.drop(x)
        x = self.fc2(x)
        return x
`,
};
