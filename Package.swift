// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "nprec",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nprec", targets: ["nprec"])
    ],
    dependencies: [
        // `nprec serve`: SwiftNIO's HTTP/1 server (NIOCore, NIOPosix, NIOHTTP1) only.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2")
    ],
    targets: [
        // C libraries, each behind one system-library target. Only `Codecs` imports them.
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // libbz2 ships no pkg-config file: the header is in /usr/include, the library in the default path.
        // Whole-buffer gzip (chunks, shards, mesh fragments): libdeflate.
        .systemLibrary(
            name: "CDeflate", path: "Sources/CDeflate", pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]),
        // Streamed gzip (`.nii.gz`, MGZ...): ISA-L's igzip.
        .systemLibrary(
            name: "CISAL", path: "Sources/CISAL", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),
        .systemLibrary(name: "CBzip2", path: "Sources/CBzip2", providers: [.apt(["libbz2-dev"])]),
        .systemLibrary(
            name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CTIFF", path: "Sources/CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        // MINC2 volumes are HDF5 files; MINC1 volumes are netCDF classic files. Debian's serial
        // libhdf5 keeps its headers and library in hdf5/serial, which its hdf5.pc names.
        .systemLibrary(
            name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(
            name: "CNetCDF", path: "Sources/CNetCDF", pkgConfig: "netcdf", providers: [.apt(["libnetcdf-dev"])]),
        // GIfTI's XML, parsed by libxml2 itself (errors through its structured error handler, no
        // network, no entity expansion, no DTD loading).
        .systemLibrary(
            name: "CXML2", path: "Sources/CXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // Mesh simplification (multi-resolution meshes): meshoptimizer, which ships no pkg-config file.
        .systemLibrary(
            name: "CMeshopt", path: "Sources/CMeshopt", providers: [.apt(["libmeshoptimizer-dev"])]),
        // Draco mesh compression (multi-resolution meshes): libdraco's C++ API behind plain C functions
        // that catch every exception (a plain target: its Debian package, libdraco-dev, comes from `make deps`).
        .target(name: "CDraco", linkerSettings: [.linkedLibrary("draco")]),
        // setjmp-guarded libjpeg/libpng calls (their errors longjmp, which Swift cannot catch).
        .target(name: "CShims", dependencies: ["CJPEG", "CPNG", "CTIFF"]),
        // libFuzzer's driver entry, declared for `nprec-fuzz` (linked only by `make fuzz`).
        .target(name: "CFuzzer"),
        // openat2(2) for `nprec serve` (glibc has no wrapper, and Swift cannot call syscall(2)).
        .target(name: "CSyscalls"),
        // The git commit of `nprec --version`, linked in by the Makefile ("unknown" otherwise).
        .target(name: "CBuildInfo"),

        // Swift wrappers around the C libraries: Swift values in, Swift values out.
        .target(
            name: "Codecs",
            dependencies: [
                "CZlib", "CDeflate", "CISAL", "CBzip2", "CJPEG", "CPNG", "CTIFF", "CShims", "CHDF5", "CNetCDF", "CXML2",
                "CMeshopt", "CDraco",
            ]),
        // The precomputed format: info model, chunk grid, storage, raw chunks, scales.
        .target(name: "Precomputed", dependencies: ["Codecs"]),
        // Chunk encodings (raw, later compressed_segmentation, JPEG, PNG) and value conversion.
        .target(name: "Encoding", dependencies: ["Precomputed", "Codecs"]),
        // The engine of all chunk work: units, plans split between tasks, resume, the sink.
        .target(name: "Engine", dependencies: ["Precomputed", "Encoding"]),
        // Downscaling kernels and the scale-by-scale scheduler.
        .target(name: "Pyramid", dependencies: ["Precomputed", "Encoding", "Engine"]),
        // 2-D slice stacks (PNG, TIFF, JPEG), read band by band, any anatomical orientation.
        .target(name: "Slices", dependencies: ["Precomputed", "Encoding", "Codecs", "Engine"]),
        // Volume files (NIfTI, MGH, MINC, Analyze, AFNI, PAR/REC, NRRD), told apart by content and
        // read slab by slab (or block by block when uncompressed) in bounded memory.
        .target(name: "Volumes", dependencies: ["Codecs", "Precomputed"]),
        // Volume files and other datasets as sources of the engine: convert and reencode.
        .target(name: "Conversion", dependencies: ["Precomputed", "Encoding", "Engine", "Volumes", "Pyramid"]),
        .target(name: "Mesh", dependencies: ["Precomputed", "Codecs"]),
        // `nprec mesh generate`: marching cubes, levels of detail, the multi-resolution mesh format.
        .target(name: "Meshing", dependencies: ["Precomputed", "Encoding", "Engine", "Codecs", "Mesh"]),
        // `nprec verify`: a dataset checked file by file as Neuroglancer reads it.
        .target(name: "Verify", dependencies: ["Precomputed", "Encoding", "Engine", "Codecs", "Mesh"]),
        // `nprec labels`: atlas label tables as segment properties, voxel counts per label.
        .target(name: "Labels", dependencies: ["Precomputed", "Encoding", "Engine"]),
        // `nprec serve`: precomputed datasets over HTTP/1.1 for Neuroglancer, on SwiftNIO.
        .target(
            name: "Serve",
            dependencies: [
                "Precomputed", "CSyscalls",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        // Command registry, option parser, help, completion and the commands.
        .target(
            name: "NPrecCLI",
            dependencies: [
                "Precomputed", "Encoding", "Engine", "Conversion", "Pyramid", "Slices", "Volumes", "Mesh", "Codecs",
                "Serve", "Verify", "Labels", "Meshing", "CBuildInfo",
            ]),
        .executableTarget(name: "nprec", dependencies: ["NPrecCLI"]),
        // The parsers and decoders as fuzz targets, and their libFuzzer driver (`make fuzz`).
        .target(
            name: "FuzzTargets",
            dependencies: ["Codecs", "Precomputed", "Encoding", "Volumes", "Slices", "Mesh", "Labels"]),
        .executableTarget(name: "nprec-fuzz", dependencies: ["FuzzTargets", "CFuzzer"], path: "Sources/NPrecFuzz"),
        // Single-core throughput of each stage, for `make bench`.
        .executableTarget(
            name: "nprec-bench", dependencies: ["Codecs", "Encoding", "Volumes", "Precomputed", "Pyramid"],
            path: "Sources/NPrecBench"),

        .testTarget(name: "CodecsTests", dependencies: ["Codecs", "CZlib"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "PrecomputedTests", dependencies: ["Precomputed"]),
        .testTarget(name: "EncodingTests", dependencies: ["Encoding"]),
        .testTarget(name: "VolumesTests", dependencies: ["Volumes", "Precomputed"]),
        .testTarget(name: "MeshTests", dependencies: ["Mesh", "Codecs"]),
        .testTarget(name: "SlicesTests", dependencies: ["Slices", "Encoding", "Precomputed", "Codecs", "Engine"]),
        .testTarget(name: "PyramidTests", dependencies: ["Pyramid", "Encoding", "Precomputed"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Pyramid", "Encoding", "Precomputed"]),
        .testTarget(name: "VerifyTests", dependencies: ["Verify", "Encoding", "Precomputed", "Mesh", "Codecs"]),
        .testTarget(name: "LabelsTests", dependencies: ["Labels", "Precomputed"]),
        .testTarget(name: "MeshingTests", dependencies: ["Meshing", "Precomputed", "Codecs"]),
        .testTarget(name: "NPrecCLITests", dependencies: ["NPrecCLI", "Precomputed", "Codecs"]),
    ],
    swiftLanguageModes: [.v6]
)
