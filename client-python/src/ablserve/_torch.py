"""The trained model as a PyTorch module: the networks of the server's ``ModelArch`` with the module names of
the PyTorch code each follows, built from an exported safetensors file. Needs ``ablserve[torch]``."""
from __future__ import annotations

import json
import os
from typing import Dict, Sequence, Tuple, Union

try:
    import torch
    from safetensors import safe_open
    from torch import nn
    from torch.nn import functional as F
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError("Session.torch_model() needs PyTorch and safetensors: pip install 'ablserve[torch]'") from e


class _Normalized(nn.Module):
    """Takes images scaled to [0, 1] and normalises them per channel as the server did in training, unless
    built with ``normalize=False``. ``pixel_mean`` and ``pixel_std`` are buffers that stay out of the
    ``state_dict``, so its keys are the exported file's names."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], normalize: bool) -> None:
        super().__init__()
        shape = (1, len(mean), 1, 1)
        self.register_buffer("pixel_mean", torch.tensor(mean, dtype=torch.float32).reshape(shape), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(std, dtype=torch.float32).reshape(shape), persistent=False)
        self.normalize = normalize

    def _input(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.pixel_mean) / self.pixel_std if self.normalize else x


def _conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class SmallCnn(_Normalized):
    """conv(32)-BN-ReLU-maxpool, conv(64)-BN-ReLU-maxpool, dense(128)-ReLU, dense(classes)."""

    def __init__(self, input_shape: Sequence[int], num_classes: int, mean, std, normalize: bool = True) -> None:
        super().__init__(mean, std, normalize)
        channels, height, width = input_shape
        self.conv1 = _conv3x3(channels, 32)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = _conv3x3(32, 64)
        self.bn2 = nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(64 * (height // 4) * (width // 4), 128)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(self._input(x)))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


class WideBasicBlock(nn.Module):
    """Pre-activation block of the ABL reference code's WideResNet; the 1x1 shortcut reads the activated input."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = _conv3x3(cin, cout, stride)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = _conv3x3(cout, cout)
        self.equal_in_out = cin == cout and stride == 1
        self.convShortcut = None if self.equal_in_out else nn.Conv2d(cin, cout, 1, stride=stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        activated = F.relu(self.bn1(x))
        out = self.conv2(F.relu(self.bn2(self.conv1(activated))))
        return out + (x if self.equal_in_out else self.convShortcut(activated))


class _NetworkBlock(nn.Module):
    def __init__(self, blocks: Sequence[nn.Module]) -> None:
        super().__init__()
        self.layer = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x)


class WideResNet(_Normalized):
    """WRN-depth-widen without dropout, global average pooling before the classifier (any input size)."""

    def __init__(self, input_shape: Sequence[int], num_classes: int, mean, std, normalize: bool = True,
                 depth: int = 16, widen: int = 1) -> None:
        super().__init__(mean, std, normalize)
        n = (depth - 4) // 6
        widths = [16 * widen, 32 * widen, 64 * widen]
        self.conv1 = _conv3x3(input_shape[0], 16)
        cin = 16
        for group, (width, stride) in enumerate(zip(widths, (1, 2, 2)), start=1):
            blocks = []
            for i in range(n):
                blocks.append(WideBasicBlock(cin, width, stride if i == 0 else 1))
                cin = width
            setattr(self, f"block{group}", _NetworkBlock(blocks))
        self.bn1 = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.block3(self.block2(self.block1(self.conv1(self._input(x)))))
        x = F.adaptive_avg_pool2d(F.relu(self.bn1(x)), 1)
        return self.fc(torch.flatten(x, 1))


class BasicBlock(nn.Module):
    """kuangliu/pytorch-cifar's ResNet basic block."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = _conv3x3(cin, cout, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = _conv3x3(cout, cout)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + self.shortcut(x))


class CifarResNet(_Normalized):
    """ResNet in its CIFAR form (3x3 stem, stride 1, no max pool), as kuangliu/pytorch-cifar names it."""

    def __init__(self, input_shape: Sequence[int], num_classes: int, mean, std, normalize: bool = True,
                 blocks: Sequence[int] = (2, 2, 2, 2)) -> None:
        super().__init__(mean, std, normalize)
        self.conv1 = _conv3x3(input_shape[0], 64)
        self.bn1 = nn.BatchNorm2d(64)
        cin = 64
        for stage, (width, stride, count) in enumerate(zip((64, 128, 256, 512), (1, 2, 2, 2), blocks), start=1):
            layer = []
            for i in range(count):
                layer.append(BasicBlock(cin, width, stride if i == 0 else 1))
                cin = width
            setattr(self, f"layer{stage}", nn.Sequential(*layer))
        self.linear = nn.Linear(512, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(self._input(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.linear(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def build(arch: str, input_shape: Sequence[int], num_classes: int, mean: Sequence[float], std: Sequence[float],
          normalize: bool = True) -> nn.Module:
    """A fresh network of ``arch`` (``small_cnn``, ``wrn_16_1``, ``resnet_18``, ``resnet_34``)."""
    if arch == "small_cnn":
        return SmallCnn(input_shape, num_classes, mean, std, normalize)
    if arch == "wrn_16_1":
        return WideResNet(input_shape, num_classes, mean, std, normalize, depth=16, widen=1)
    if arch == "resnet_18":
        return CifarResNet(input_shape, num_classes, mean, std, normalize, blocks=(2, 2, 2, 2))
    if arch == "resnet_34":
        return CifarResNet(input_shape, num_classes, mean, std, normalize, blocks=(3, 4, 6, 3))
    raise ValueError(f"unknown architecture {arch!r}: this client knows small_cnn, wrn_16_1, resnet_18, resnet_34")


def read(path: Union[str, os.PathLike]) -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    """The tensors and the ``__metadata__`` of a safetensors file."""
    with safe_open(os.fspath(path), framework="pt") as f:
        return {name: f.get_tensor(name) for name in f.keys()}, dict(f.metadata() or {})


def load(path: Union[str, os.PathLike], normalize: bool = True) -> nn.Module:
    """The network an ablserve safetensors export describes, with its weights, in eval mode. Every tensor of
    the file must fill a parameter or buffer of the network and vice versa (BatchNorm's
    ``num_batches_tracked``, which only counts training steps, excepted)."""
    tensors, metadata = read(path)
    net = build(metadata["arch"], json.loads(metadata["input_shape"]), int(metadata["num_classes"]),
                json.loads(metadata["pixel_mean"]), json.loads(metadata["pixel_std"]), normalize)
    missing, unexpected = net.load_state_dict(tensors, strict=False)
    missing = [k for k in missing if not k.endswith(".num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"{path} does not fit {metadata['arch']}: missing {missing}, unexpected {unexpected}")
    return net.eval()
