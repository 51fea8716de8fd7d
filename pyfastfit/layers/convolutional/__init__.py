"""Convolution layers (Keras 3 names, arguments and weight layouts)."""

from pyfastfit.layers.convolutional.conv1d import Conv1D
from pyfastfit.layers.convolutional.conv2d import Conv2D
from pyfastfit.layers.convolutional.conv3d import Conv3D
from pyfastfit.layers.convolutional.conv2d_transpose import (
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose,
)
from pyfastfit.layers.convolutional.depthwise_conv2d import DepthwiseConv1D, DepthwiseConv2D
from pyfastfit.layers.convolutional.separable_conv2d import SeparableConv1D, SeparableConv2D

__all__ = ["Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D",
           "Conv3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
           "SeparableConv2D"]
