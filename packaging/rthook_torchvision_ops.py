"""PyInstaller runtime hook: let torchvision import without its compiled operators.

The package is built with the CPU build of torch. Where no CPU build of torchvision matching it
is installable, the build bundles torchvision's Python code without its compiled ``_C`` library
(built against CUDA torch, it cannot load). torchvision's import still registers abstract
implementations for two of those operators, which fails unless the operators exist, so they are
declared here (schemas as torchvision defines them). SuperCuts calls no torchvision operator:
timm imports torchvision only for its data transforms. Calling ``torchvision.ops.nms`` in the
packaged app raises torchvision's own error that its C++ operators could not be loaded.
"""

import torch

_LIBRARY = torch.library.Library("torchvision", "DEF")  # kept alive for the whole run
_LIBRARY.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
_LIBRARY.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
