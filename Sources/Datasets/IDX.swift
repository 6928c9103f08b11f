import Foundation

/// An IDX file of unsigned bytes (the MNIST format): a big-endian magic number whose low byte
/// is the rank, one big-endian UInt32 per dimension, then the values in row-major order.
struct IDXTensor {
    static let imagesMagic: UInt32 = 2051  // 0x00000803: unsigned bytes, rank 3
    static let labelsMagic: UInt32 = 2049  // 0x00000801: unsigned bytes, rank 1

    let dimensions: [Int]
    let values: Data

    init(parsing bytes: Data, path: String, expectedMagic: UInt32) throws {
        let bytes = Data(bytes)  // rebase so indices start at 0
        let rank = Int(expectedMagic & 0xFF)
        let headerSize = 4 + 4 * rank
        func bigEndianUInt32(at offset: Int) -> UInt32 {
            (0..<4).reduce(UInt32(0)) { ($0 << 8) | UInt32(bytes[offset + $1]) }
        }
        guard bytes.count >= 4 else {
            throw DatasetError.malformedIDX(path: path, detail: "\(bytes.count) bytes cannot hold the magic number")
        }
        let magic = bigEndianUInt32(at: 0)
        guard magic == expectedMagic else {
            throw DatasetError.malformedIDX(
                path: path, detail: "magic number \(magic), expected \(expectedMagic)")
        }
        guard bytes.count >= headerSize else {
            throw DatasetError.malformedIDX(
                path: path, detail: "\(bytes.count) bytes is shorter than the \(headerSize)-byte header")
        }
        dimensions = (0..<rank).map { Int(bigEndianUInt32(at: 4 + 4 * $0)) }
        let shape = dimensions.map(String.init).joined(separator: "×")
        // Each dimension is a UInt32 from the file: their product can exceed Int.max.
        guard let expectedCount = Self.checkedProduct(dimensions) else {
            throw DatasetError.malformedIDX(
                path: path, detail: "header dimensions \(shape) multiply to more than \(Int.max) values; allowed: a product that fits the file")
        }
        let actualCount = bytes.count - headerSize
        guard actualCount == expectedCount else {
            throw DatasetError.malformedIDX(
                path: path,
                detail: "header dimensions \(shape) need \(expectedCount) data bytes, the file has \(actualCount)")
        }
        values = bytes.subdata(in: headerSize..<bytes.count)
    }

    /// The product of `factors`, or nil when the product of the non-zero ones overflows `Int`:
    /// a zero image count must not let 2^32−1 × 2^32−1 pixels per image through.
    static func checkedProduct(_ factors: [Int]) -> Int? {
        var product = 1
        for factor in factors where factor != 0 {
            let (next, overflow) = product.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            product = next
        }
        return factors.contains(0) ? 0 : product
    }
}

/// Images and labels read from a pair of IDX files, checked against each other.
struct IDXImageSet {
    let rows: Int
    let columns: Int
    let data: LabeledData

    /// Pixels are divided by 255 so features lie in [0, 1].
    init(imagesBytes: Data, imagesPath: String, labelsBytes: Data, labelsPath: String, classCount: Int) throws {
        let images = try IDXTensor(parsing: imagesBytes, path: imagesPath, expectedMagic: IDXTensor.imagesMagic)
        let labels = try IDXTensor(parsing: labelsBytes, path: labelsPath, expectedMagic: IDXTensor.labelsMagic)
        let (count, rows, columns) = (images.dimensions[0], images.dimensions[1], images.dimensions[2])
        guard rows > 0, columns > 0 else {
            throw DatasetError.malformedIDX(path: imagesPath, detail: "images are \(rows)×\(columns) pixels")
        }
        guard labels.dimensions[0] == count else {
            throw DatasetError.inconsistentFiles(
                detail: "\(imagesPath) holds \(count) images but \(labelsPath) holds \(labels.dimensions[0]) labels")
        }
        let pixelsPerImage = rows * columns
        var features: [[Float]] = []
        features.reserveCapacity(count)
        var labelValues: [Int] = []
        labelValues.reserveCapacity(count)
        images.values.withUnsafeBytes { (pixels: UnsafeRawBufferPointer) in
            for image in 0..<count {
                let start = image * pixelsPerImage
                features.append((start..<(start + pixelsPerImage)).map { Float(pixels[$0]) / 255 })
            }
        }
        for (index, label) in labels.values.enumerated() {
            guard Int(label) < classCount else {
                throw DatasetError.malformedIDX(
                    path: labelsPath, detail: "label \(label) at index \(index) is outside 0..<\(classCount)")
            }
            labelValues.append(Int(label))
        }
        self.rows = rows
        self.columns = columns
        self.data = LabeledData(features: features, labels: labelValues)
    }
}
