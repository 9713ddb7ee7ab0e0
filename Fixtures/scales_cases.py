"""The full-resolution infos on which `nprec scales` and `nprec stats` are compared with
neuroglancer-scripts' generate-scales-info and scale-stats. Shared by
make_scales_fixtures.py (golden files) and Tests/conformance/run.py (live comparison)."""


def fullres(size, resolution, data_type="uint8", channels=1, **extra):
    scale = {"size": size, "resolution": resolution, "voxel_offset": [0, 0, 0]}
    scale.update(extra.pop("scale_extra", {}))
    info = {"type": "image", "data_type": data_type, "num_channels": channels, "scales": [scale]}
    info.update(extra)
    return info


MM = 1_000_000
UM = 1_000

CASES = {
    "isotropic_1mm": (fullres([151, 188, 154], [MM, MM, MM]), {}),
    "isotropic_target8": (fullres([151, 188, 154], [MM, MM, MM]), {"target_chunk_size": 8}),
    "isotropic_target16": (fullres([300, 200, 100], [MM, MM, MM]), {"target_chunk_size": 16}),
    "isotropic_target32": (fullres([300, 200, 100], [MM, MM, MM]), {"target_chunk_size": 32}),
    "isotropic_target128": (fullres([1000, 900, 800], [20 * UM] * 3), {"target_chunk_size": 128}),
    "isotropic_target256": (fullres([4000, 3000, 2000], [20 * UM] * 3), {"target_chunk_size": 256}),
    "isotropic_target512": (fullres([6572, 7404, 5711], [20 * UM] * 3), {"target_chunk_size": 512}),
    "aniso_z4": (fullres([384, 288, 40], [300 * UM, 300 * UM, 1200 * UM]), {}),
    "aniso_z_float": (fullres([384, 288, 40], [312500.5, 312500.5, 1250000.0], "float32"), {}),
    "aniso_two_axes": (fullres([1000, 100, 80], [20, 320, 640]), {}),
    "aniso_extreme": (fullres([10000, 10000, 10], [1, 1, 1_000_000]), {}),
    "aniso_extreme_target8": (fullres([10000, 10000, 10], [1, 1, 1_000_000]), {"target_chunk_size": 8}),
    "aniso_y_only": (fullres([512, 30, 512], [4, 64, 4]), {}),
    "thin_single_slice": (fullres([2000, 2000, 1], [10 * UM, 10 * UM, 10 * UM]), {}),
    "tiny_3x2x1": (fullres([3, 2, 1], [MM, MM, MM]), {}),
    "micrometre_half": (fullres([900, 700, 500], [500, 500, 500]), {}),
    "nanometre_em": (fullres([2048, 2048, 300], [4, 4, 40], "uint8"), {}),
    "subnanometre": (fullres([600, 600, 600], [0.3, 0.3, 0.3]), {}),
    "max_scales_2": (fullres([1000, 1000, 1000], [MM, MM, MM]), {"max_scales": 2}),
    "max_scales_0": (fullres([1000, 1000, 1000], [MM, MM, MM]), {"max_scales": 0}),
    "segmentation_cseg_uint8": (fullres([180, 170, 160], [MM, MM, MM], "uint8"),
                                {"type": "segmentation", "encoding": "compressed_segmentation"}),
    "segmentation_uint64_cseg": (fullres([180, 170, 160], [MM, MM, MM], "uint64"),
                                 {"encoding": "compressed_segmentation"}),
    "segmentation_type_only": (fullres([180, 170, 160], [MM, MM, MM], "uint32"), {"type": "segmentation"}),
    "jpeg_image": (fullres([512, 512, 384], [MM, MM, MM]), {"encoding": "jpeg"}),
    "two_channels_uint16": (fullres([320, 250, 150], [MM, MM, MM], "uint16", channels=2), {}),
    "rgb_uint8": (fullres([256, 256, 64], [MM, MM, MM], "uint8", channels=3), {}),
    "inherited_encoding_and_type": (
        fullres([200, 200, 200], [MM, MM, MM], "uint32", type="segmentation",
                scale_extra={"encoding": "compressed_segmentation",
                             "compressed_segmentation_block_size": [4, 4, 16]}), {}),
    "unknown_keys_kept": (fullres([100, 100, 100], [MM, MM, MM], mesh="mesh",
                                  scale_extra={"x_custom": {"a": [1, 2]}}), {}),
    "big_volume_stats": (fullres([65536, 65536, 8192], [20, 20, 20], "uint16"), {}),
}


def reference_args(options):
    args = []
    if "target_chunk_size" in options:
        args += ["--target-chunk-size", str(options["target_chunk_size"])]
    if "max_scales" in options:
        args += ["--max-scales", str(options["max_scales"])]
    if "type" in options:
        args += ["--type", options["type"]]
    if "encoding" in options:
        args += ["--encoding", options["encoding"]]
    return args
