"""Layers: the `Layer` base class and the built-in layers (Keras 3 names)."""

from pyfastfit.layers.activations.leaky_relu import LeakyReLU
from pyfastfit.layers.activations.relu import ReLU
from pyfastfit.layers.activations.softmax import Softmax
from pyfastfit.layers.core.activation import Activation
from pyfastfit.layers.convolutional import (
    Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose,
    DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D,
)
from pyfastfit.layers.core.dense import Dense
from pyfastfit.layers.core.input_layer import Input, InputLayer
from pyfastfit.layers.core.lambda_layer import Lambda
from pyfastfit.layers.keras_tensor import KerasTensor
from pyfastfit.layers.layer import Layer, deserialize_layer, serialize_layer
from pyfastfit.layers.merging.merge import (
    Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract, add, average,
    concatenate, maximum, minimum, multiply, subtract,
)
from pyfastfit.layers.pooling.average_pooling1d import AveragePooling1D
from pyfastfit.layers.pooling.average_pooling2d import AveragePooling2D
from pyfastfit.layers.pooling.average_pooling3d import AveragePooling3D
from pyfastfit.layers.pooling.max_pooling1d import MaxPooling1D
from pyfastfit.layers.pooling.max_pooling2d import MaxPooling2D
from pyfastfit.layers.pooling.max_pooling3d import MaxPooling3D
from pyfastfit.layers.preprocessing.rescaling import Rescaling
from pyfastfit.layers.regularization.activity_regularization import ActivityRegularization
from pyfastfit.layers.regularization.dropout import Dropout
from pyfastfit.layers.reshaping.flatten import Flatten
from pyfastfit.layers.reshaping.permute import Permute
from pyfastfit.layers.reshaping.reshape import Reshape
from pyfastfit.layers.core.embedding import Embedding
from pyfastfit.layers.normalization.batch_normalization import BatchNormalization
from pyfastfit.layers.normalization.group_normalization import (
    GroupNormalization, UnitNormalization,
)
from pyfastfit.layers.normalization.layer_normalization import LayerNormalization
from pyfastfit.layers.pooling.global_average_pooling import (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D,
)
from pyfastfit.layers.pooling.global_max_pooling import (
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D,
)
from pyfastfit.layers.regularization.gaussian_noise import GaussianNoise
from pyfastfit.layers.regularization.spatial_dropout import SpatialDropout1D, SpatialDropout2D
from pyfastfit.layers.reshaping.cropping1d import Cropping1D
from pyfastfit.layers.reshaping.cropping2d import Cropping2D
from pyfastfit.layers.reshaping.cropping3d import Cropping3D
from pyfastfit.layers.reshaping.repeat_vector import RepeatVector
from pyfastfit.layers.reshaping.up_sampling1d import UpSampling1D
from pyfastfit.layers.reshaping.up_sampling2d import UpSampling2D
from pyfastfit.layers.reshaping.up_sampling3d import UpSampling3D
from pyfastfit.layers.reshaping.zero_padding1d import ZeroPadding1D
from pyfastfit.layers.reshaping.zero_padding2d import ZeroPadding2D
from pyfastfit.layers.reshaping.zero_padding3d import ZeroPadding3D

# Keras's short aliases of the 3-D pools (the keras.io CT-scan example uses MaxPool3D).
MaxPool3D = MaxPooling3D
AvgPool3D = AveragePooling3D


def serialize(layer):
    """Keras 3 config dict of a layer."""
    return serialize_layer(layer)


def deserialize(config, custom_objects=None):
    """Layer from a Keras 3 config dict."""
    return deserialize_layer(config, custom_objects)


__all__ = [
    "Activation", "ActivityRegularization", "Add", "Average", "Concatenate", "Dense",
    "Dropout", "Flatten", "Input", "InputLayer", "KerasTensor", "Lambda", "Layer",
    "LeakyReLU", "Maximum", "Minimum", "Multiply", "Permute", "ReLU", "Rescaling",
    "Reshape", "Softmax", "Subtract", "add", "average", "concatenate", "deserialize",
    "maximum", "minimum", "multiply", "serialize", "subtract",
    "AveragePooling1D", "AveragePooling2D", "Conv1D", "Conv1DTranspose", "Conv2D",
    "Conv2DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "MaxPooling1D", "MaxPooling2D",
    "SeparableConv1D", "SeparableConv2D",
    "BatchNormalization", "Cropping1D", "Cropping2D", "Embedding", "GaussianNoise",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "GroupNormalization", "LayerNormalization", "UnitNormalization", "RepeatVector", "SpatialDropout1D",
    "SpatialDropout2D", "UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D",
    # 3-D
    "AveragePooling3D", "AvgPool3D", "Conv3D", "Conv3DTranspose", "Cropping3D", "GlobalAveragePooling3D",
    "GlobalMaxPooling3D", "MaxPool3D", "MaxPooling3D", "UpSampling3D", "ZeroPadding3D",
]
