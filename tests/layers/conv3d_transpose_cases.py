"""Conv3DTranspose arguments shared by the fixture generator and the parity test."""

CASES = [
    dict(filters=4, kernel_size=3, strides=2, padding="same"),
    dict(filters=3, kernel_size=(2, 3, 2), strides=(1, 2, 3), padding="valid"),
    dict(filters=2, kernel_size=3, strides=2, padding="valid", output_padding=1),
    dict(filters=2, kernel_size=3, dilation_rate=2, padding="same", activation="relu"),
]
