"""Convolution of one channel: the feature map, the output size, and the parameters of a
convolutional or fully connected layer."""

from __future__ import annotations

from exercises import misconceptions as m
from grader.codecheck import cases as c
from grader.topics import CodeFunction, Quiz, Topic


def quiz() -> Quiz:
    from exercises.conv import ConvFeatureMap, ConvOutputSize, ParamCount
    from exercises.solutions import steps as s
    from grader import pictures as p

    return Quiz(
        exercises=(ConvFeatureMap(), ConvOutputSize(), ParamCount()),
        solutions={
            "conv_feature_map": s.conv_feature_map,
            "conv_output_size": s.conv_output_size,
            "param_count": s.param_count,
        },
        pictures={"conv_feature_map": p.Pictures(p.conv_statement, p.conv_solution)},
    )


TOPIC = Topic(
    id="conv",
    order=40,
    quiz=quiz,
    functions=(
        CodeFunction("conv2d", c.conv2d_cases),
        CodeFunction("conv_output_size", c.conv_output_size_cases),
        CodeFunction("dense_param_count", c.dense_param_count_cases),
        CodeFunction("conv_param_count", c.conv_param_count_cases),
    ),
    misconceptions=(
        m.CONV_FLIPPED_KERNEL,
        m.CONV_PADDING_IGNORED,
        m.CONV_STRIDE_IGNORED,
        m.CONV_SIZE_OFF_BY_ONE,
        m.CONV_SIZE_FLOAT_DIVISION,
        m.PARAM_COUNT_MISSING_BIAS,
        m.PARAM_COUNT_MISSING_DEPTH,
    ),
)
