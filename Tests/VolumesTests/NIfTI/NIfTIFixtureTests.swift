import Foundation
import Precomputed
import Testing

@testable import Volumes

@Suite("NIfTI fixtures read as nibabel reads them")
struct NIfTIFixtureTests {
    @Test("the fixture list is there")
    func fixturesExist() {
        #expect(Fixtures.names.count >= 40)
        #expect(Fixtures.broken.count >= 6)
    }

    @Test("header fields, affine and voxel sizes", arguments: Fixtures.names)
    func header(name: String) throws {
        let expect = try Fixtures.expectation(for: name)
        let volume = try NIfTIVolume(path: Fixtures.path(name))
        let header = volume.header
        #expect(header.version == expect.version)
        #expect(header.littleEndian == expect.little_endian)
        #expect(header.dim == expect.dim)
        #expect(header.dim == expect.shape)
        #expect("\(header.dataType)" == expect.data_type)
        #expect(same(header.pixdim, expect.pixdim), "pixdim \(header.pixdim) != \(expect.pixdim)")
        #expect(header.voxOffset == expect.vox_offset)
        #expect(same(header.sclSlope, expect.scl_slope))
        #expect(same(header.sclInter, expect.scl_inter))
        #expect(header.qformCode == expect.qform_code)
        #expect(header.sformCode == expect.sform_code)
        #expect(header.xyztUnits == expect.xyzt_units)
        #expect(header.affine == expect.affine, "affine \(header.affine) != \(expect.affine)")
        #expect(header.voxelSizes == expect.voxel_sizes, "voxel sizes \(header.voxelSizes) != \(expect.voxel_sizes)")
    }

    @Test("scaling and the dtype names nibabel reports", arguments: Fixtures.names)
    func scaling(name: String) throws {
        let expect = try Fixtures.expectation(for: name)
        let header = try NIfTIVolume(path: Fixtures.path(name)).header
        // nibabel reports RGB as a structured dtype; neuroglancer-scripts reads it as uint8.
        func component(_ numpy: String) -> String { numpy.hasPrefix("void") ? "uint8" : numpy }
        #expect(header.scaledTypeName(ignoreScaling: false) == component(expect.scaled_dtype_name))
        #expect(header.scaledTypeName(ignoreScaling: true) == component(expect.unscaled_dtype_name))
        if let scaling = expect.scaling {
            #expect(header.scaling?.slope == scaling[0])
            #expect(header.scaling?.inter == scaling[1])
        } else {
            #expect(header.scaling == nil)
        }
    }

    @Test("all voxels in one slab", arguments: Fixtures.names)
    func oneSlab(name: String) throws {
        let expect = try Fixtures.expectation(for: name)
        let volume = try NIfTIVolume(path: Fixtures.path(name))
        let raw = try Fixtures.bytes(expect.raw_bin)
        let size = volume.size
        let slab = try volume.readSlab(0..<size[2])
        #expect(slab.size == size)
        #expect(slab.channels == volume.channels)
        #expect(slab.channels == expect.shape.dropFirst(3).reduce(1, *) * volume.header.dataType.componentCount)
        #expect(slab.elementType == volume.header.dataType.storage)
        #expect(slab.bytes.count == raw.count)
        #expect(slab.bytes == raw)
    }

    @Test("all voxels in slabs of a few z", arguments: Fixtures.names, [1, 2])
    func fewSlabs(name: String, step: Int) throws {
        let expect = try Fixtures.expectation(for: name)
        let volume = try NIfTIVolume(path: Fixtures.path(name))
        let raw = try Fixtures.bytes(expect.raw_bin)
        let (nx, ny, nz) = (volume.size[0], volume.size[1], volume.size[2])
        let sliceBytes = nx * ny * volume.header.dataType.componentType.bytesPerVoxel
        for z in stride(from: 0, to: nz, by: step) {
            let range = z..<min(z + step, nz)
            let slab = try volume.readSlab(range)
            #expect(slab.size == [nx, ny, range.count])
            let slabBytes = sliceBytes * range.count
            for channel in 0..<volume.channels {
                let start = channel * sliceBytes * nz + z * sliceBytes
                let expected = raw[start..<(start + slabBytes)]
                let got = slab.bytes[(channel * slabBytes)..<((channel + 1) * slabBytes)]
                #expect(Array(got) == Array(expected), "z \(range), channel \(channel)")
            }
        }
    }

    @Test(
        "slices skipped between slabs are dropped", arguments: ["int16_4d_be.nii", "uint8_4d.nii.gz", "rgb24_4d.nii"])
    func skipForward(name: String) throws {
        let expect = try Fixtures.expectation(for: name)
        let volume = try NIfTIVolume(path: Fixtures.path(name))
        let raw = try Fixtures.bytes(expect.raw_bin)
        let (nx, ny, nz) = (volume.size[0], volume.size[1], volume.size[2])
        let sliceBytes = nx * ny * volume.header.dataType.componentType.bytesPerVoxel
        let slab = try volume.readSlab((nz - 1)..<nz)
        for channel in 0..<volume.channels {
            let start = channel * sliceBytes * nz + (nz - 1) * sliceBytes
            #expect(
                Array(slab.bytes[(channel * sliceBytes)..<((channel + 1) * sliceBytes)])
                    == Array(raw[start..<(start + sliceBytes)]))
        }
        #expect(throws: VolumeError.self) { try volume.readSlab(0..<1) }
    }

    @Test(
        "stored values times slope plus intercept are nibabel's scaled values",
        arguments: Fixtures.names.filter { (try? Fixtures.expectation(for: $0).scaled_bin) != nil })
    func scaledValues(name: String) throws {
        let expect = try Fixtures.expectation(for: name)
        let volume = try NIfTIVolume(path: Fixtures.path(name))
        let scaling = try #require(volume.header.scaling)
        let slab = try volume.readSlab(0..<volume.size[2])
        let stored = doubles(slab.bytes, slab.elementType)
        let expected = try Fixtures.bytes(try #require(expect.scaled_bin)).withUnsafeBytes {
            Array($0.bindMemory(to: Double.self))
        }
        #expect(stored.count == expected.count)
        for (value, nibabel) in zip(stored, expected) {
            // nibabel multiplies only when slope != 1 and adds only when inter != 0.
            var scaled = value
            if scaling.slope != 1 { scaled *= scaling.slope }
            if scaling.inter != 0 { scaled += scaling.inter }
            #expect(same(scaled, nibabel), "\(value) scaled to \(scaled), nibabel \(nibabel)")
        }
    }

    @Test(
        "a pair opens from either file",
        arguments: [("int16_pair_le.hdr", "int16_pair_le.img"), ("uint8_pair_gz.hdr.gz", "uint8_pair_gz.img.gz")])
    func pairFromEitherName(files: (String, String)) throws {
        let fromHeader = try NIfTIVolume(path: Fixtures.path(files.0))
        let fromImage = try NIfTIVolume(path: Fixtures.path(files.1))
        #expect(fromHeader.headerPath == fromImage.headerPath)
        #expect(fromHeader.dataPath == fromImage.dataPath)
        #expect(fromHeader.dataPath == Fixtures.path(files.1))
        #expect(
            try fromHeader.readSlab(0..<fromHeader.size[2]).bytes == fromImage.readSlab(0..<fromImage.size[2]).bytes)
    }

    @Test("scaled type names follow nibabel's promotion rules")
    func scaledTypeNames() throws {
        var header = try NIfTIVolume(path: Fixtures.path("int16_le.nii")).header
        header.sclSlope = 2
        header.sclInter = 0
        for type in NIfTIDataType.allCases {
            header.dataType = type
            let expected = type.componentCount > 1 ? "uint8" : "float64"
            #expect(header.scaledTypeName(ignoreScaling: false) == expected, "\(type)")
            #expect(header.scaledTypeName(ignoreScaling: true) == type.numpyName)
        }
        // Integer extremes that overflow float64 once scaled move nibabel to longdouble.
        header.dataType = .uint64
        header.sclSlope = 1e300
        #expect(header.scaledTypeName(ignoreScaling: false) == "float128")
        header.dataType = .float64
        #expect(header.scaledTypeName(ignoreScaling: false) == "float64")
        header.dataType = .uint8
        #expect(header.scaledTypeName(ignoreScaling: false) == "float64")
        // No scaling: slope 0, NaN, infinite, or exactly (1, 0).
        for (slope, inter) in [(0.0, 3.0), (.nan, 0), (.infinity, 0), (1, 0)] {
            header.sclSlope = slope
            header.sclInter = inter
            #expect(header.scaling == nil)
            #expect(header.scaledTypeName(ignoreScaling: false) == "uint8")
        }
        header.sclSlope = 1
        header.sclInter = -0.5
        #expect(header.scaledTypeName(ignoreScaling: false) == "float64")
    }
}

/// Host-order values of `type` in `bytes`, as Doubles.
func doubles(_ bytes: [UInt8], _ type: DataType) -> [Double] {
    bytes.withUnsafeBytes { raw in
        func map<T>(_: T.Type, _ convert: (T) -> Double) -> [Double] {
            raw.bindMemory(to: T.self).map(convert)
        }
        switch type {
        case .uint8: return map(UInt8.self) { Double($0) }
        case .int8: return map(Int8.self) { Double($0) }
        case .uint16: return map(UInt16.self) { Double($0) }
        case .int16: return map(Int16.self) { Double($0) }
        case .uint32: return map(UInt32.self) { Double($0) }
        case .int32: return map(Int32.self) { Double($0) }
        case .uint64: return map(UInt64.self) { Double($0) }
        case .int64: return map(Int64.self) { Double($0) }
        case .float32: return map(Float.self) { Double($0) }
        case .float64: return map(Double.self) { $0 }
        }
    }
}
