import Foundation
import NeuralNet

/// The sklearn digits file for tests only (the real loader belongs to Datasets): 1,797 rows of
/// 64 pixel values 0...16 then the label, gzip-compressed. Decompressed with the system's
/// gunzip; features are divided by 16. The split is a fixed, seeded 80/20 permutation.
enum DigitsFixture {
    struct Split: Sendable {
        let trainInputs: Matrix, trainLabels: [Int], testInputs: Matrix, testLabels: [Int]
    }

    static let split: Split = {
        let file = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("data/sklearn/digits.csv.gz")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gunzip -c \"$0\"", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try! process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "gunzip failed on \(file.path)")
        var rows = [[Float]](), labels = [Int]()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }
            precondition(fields.count == 65, "digits row has \(fields.count) fields, expected 65")
            rows.append(fields.prefix(64).map { Float($0) / 16 })
            labels.append(fields[64])
        }
        precondition(rows.count == 1797, "digits has \(rows.count) rows, expected 1797")
        var generator = SeededGenerator(seed: 7)
        let order = Array(rows.indices).shuffled(using: &generator)
        let testCount = rows.count / 5
        let test = order.prefix(testCount), train = order.dropFirst(testCount)
        return Split(trainInputs: Matrix(train.map { rows[$0] }), trainLabels: train.map { labels[$0] },
                     testInputs: Matrix(test.map { rows[$0] }), testLabels: test.map { labels[$0] })
    }()

    static var allInputs: Matrix {
        Matrix(rows: split.trainInputs.rows + split.testInputs.rows, columns: 64,
               values: split.trainInputs.values + split.testInputs.values)
    }
}
