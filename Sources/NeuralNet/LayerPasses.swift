// Forward and backward passes of one layer on a batch (one sample per row, flat channel-major
// tensors). Every layer kind runs on the same three `Matrix` products, because the linear map
// reads "patch" rows, one per (sample, output position): the pooled input itself when the layer
// is fully connected, its im2col when it is a convolution. With W the weights and dZ the
// position-major gradient ((batch · positions) × channels):
//
//   forward                Z  = patches · Wᵀ     (multipliedByTransposed)
//   weight gradient        dW = dZᵀ · patches    (transposedMultiplied)
//   patch gradient         dP = dZ · W           (multiplied), then col2im and pooling backward
//
// A fully connected layer has one position per channel, so its reorderings and im2col are the
// identity and it pays for none of them (the matrices are shared, not copied).

extension NetworkLayer {
    /// Pre-activations `linear(pool(input)) + bias` for a batch (one sample per row), with
    /// `weights` in place of the layer's own when given (same shape; training transforms).
    public func preActivations(_ input: Matrix, weights usedWeights: Matrix? = nil) -> Matrix {
        linearPass(input, weights: usedWeights ?? weights).preActivations
    }

    public func forward(_ input: Matrix) -> Matrix {
        let act = activation
        return preActivations(input).map { act.apply($0) }
    }

    /// The patch rows the linear map read (kept by training for the weight gradient) and the
    /// channel-major pre-activations.
    func linearPass(_ input: Matrix, weights usedWeights: Matrix) -> (patches: Matrix, preActivations: Matrix) {
        precondition(input.columns == inputCount, "The layer reads \(inputCount) values per sample, the batch has \(input.columns)")
        precondition(usedWeights.rows == weights.rows && usedWeights.columns == weights.columns,
                     "Weights of \(usedWeights.rows)×\(usedWeights.columns) for a layer of \(weights.rows)×\(weights.columns)")
        let patches = patches(of: pooled(input))
        var z = patches.multipliedByTransposed(usedWeights)
        // Position-major rows hold one value per channel, so the per-channel bias is a row broadcast.
        z.addToEachRow(bias)
        return (patches, channelMajor(z))
    }

    /// The gradient of the layer's input (before pooling) from the gradient of its patch rows.
    func inputGradient(fromPatchGradient patchGradient: Matrix) -> Matrix {
        unpooledGradient(linearInputGradient(fromPatchGradient: patchGradient))
    }

    // MARK: - Pooling

    /// Block averages of the input; the input itself without pooling.
    func pooled(_ input: Matrix) -> Matrix {
        guard let pooling = inputPooling else { return input }
        let k = pooling.window, pooledCount = pooling.output.count, inputCount = pooling.input.count
        let scale = 1 / Float(k * k)
        var result = Matrix(rows: input.rows, columns: pooledCount)
        input.values.withUnsafeBufferPointer { source in
            result.values.withUnsafeMutableBufferPointer { destination in
                for row in 0..<input.rows {
                    let from = row * inputCount, to = row * pooledCount
                    for pooledIndex in 0..<pooledCount {
                        var sum: Float = 0
                        for a in 0..<k {
                            for b in 0..<k { sum += source[from + pooling.inputIndex(pooledIndex: pooledIndex, a: a, b: b)] }
                        }
                        destination[to + pooledIndex] = sum * scale
                    }
                }
            }
        }
        return result
    }

    /// Pooling backward: each input of a block receives the block's gradient / k².
    func unpooledGradient(_ pooledGradient: Matrix) -> Matrix {
        guard let pooling = inputPooling else { return pooledGradient }
        let k = pooling.window, pooledCount = pooling.output.count, inputCount = pooling.input.count
        let scale = 1 / Float(k * k)
        var result = Matrix(rows: pooledGradient.rows, columns: inputCount)
        pooledGradient.values.withUnsafeBufferPointer { source in
            result.values.withUnsafeMutableBufferPointer { destination in
                for row in 0..<pooledGradient.rows {
                    let from = row * pooledCount, to = row * inputCount
                    for pooledIndex in 0..<pooledCount {
                        let share = source[from + pooledIndex] * scale
                        // Blocks do not overlap, so every input is written exactly once.
                        for a in 0..<k {
                            for b in 0..<k { destination[to + pooling.inputIndex(pooledIndex: pooledIndex, a: a, b: b)] = share }
                        }
                    }
                }
            }
        }
        return result
    }

    // MARK: - im2col and col2im

    /// One row of `kernelSize` values per (sample, output position), row sample · positions + p;
    /// taps on the zero padding stay 0. The linear input itself when fully connected.
    func patches(of linearInput: Matrix) -> Matrix {
        guard let convolution else { return linearInput }
        let output = convolution.output
        let positions = output.positions, kernelSize = convolution.kernelSize, imageCount = convolution.input.count
        var result = Matrix(rows: linearInput.rows * positions, columns: kernelSize)
        linearInput.values.withUnsafeBufferPointer { source in
            result.values.withUnsafeMutableBufferPointer { destination in
                guard let sourceBase = source.baseAddress, let destinationBase = destination.baseAddress else { return }
                let images = ReadOnlyPointer(base: sourceBase), rows = DisjointRowsPointer(base: destinationBase)
                forEachRowChunk(count: linearInput.rows, work: linearInput.rows * positions * kernelSize) { samples in
                    for sample in samples {
                        let image = images.base + sample * imageCount
                        var row = rows.base + sample * positions * kernelSize
                        for y in 0..<output.height {
                            for x in 0..<output.width {
                                convolution.forEachTap(y: y, x: x) { inputIndex, column in row[column] = image[inputIndex] }
                                row += kernelSize
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// col2im: the transpose of `patches`, adding every patch value's gradient into the input
    /// value it was copied from. The patch gradient itself when fully connected.
    func linearInputGradient(fromPatchGradient patchGradient: Matrix) -> Matrix {
        guard let convolution else { return patchGradient }
        let output = convolution.output
        let positions = output.positions, kernelSize = convolution.kernelSize, imageCount = convolution.input.count
        let batch = patchGradient.rows / positions
        var result = Matrix(rows: batch, columns: imageCount)
        patchGradient.values.withUnsafeBufferPointer { source in
            result.values.withUnsafeMutableBufferPointer { destination in
                guard let sourceBase = source.baseAddress, let destinationBase = destination.baseAddress else { return }
                let rows = ReadOnlyPointer(base: sourceBase), images = DisjointRowsPointer(base: destinationBase)
                // One sample's image per worker: overlapping patches add into the same image only.
                forEachRowChunk(count: batch, work: batch * positions * kernelSize) { samples in
                    for sample in samples {
                        let image = images.base + sample * imageCount
                        var row = rows.base + sample * positions * kernelSize
                        for y in 0..<output.height {
                            for x in 0..<output.width {
                                convolution.forEachTap(y: y, x: x) { inputIndex, column in image[inputIndex] += row[column] }
                                row += kernelSize
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    // MARK: - Layout

    /// (batch · positions) × channels → batch × (channels · positions), the flat channel-major
    /// output tensor.
    func channelMajor(_ positionMajor: Matrix) -> Matrix {
        reordered(positionMajor, toChannelMajor: true)
    }

    /// The inverse of `channelMajor`: gradients enter the products position-major.
    func positionMajor(_ channelMajor: Matrix) -> Matrix {
        reordered(channelMajor, toChannelMajor: false)
    }

    private func reordered(_ matrix: Matrix, toChannelMajor: Bool) -> Matrix {
        let positions = positionsPerChannel, channels = outputChannels
        guard positions > 1 else { return matrix }
        let batch = matrix.values.count / (positions * channels)
        var result = toChannelMajor ? Matrix(rows: batch, columns: channels * positions)
                                    : Matrix(rows: batch * positions, columns: channels)
        matrix.values.withUnsafeBufferPointer { source in
            result.values.withUnsafeMutableBufferPointer { destination in
                for sample in 0..<batch {
                    let base = sample * positions * channels
                    for p in 0..<positions {
                        for o in 0..<channels {
                            let channelMajorIndex = base + o * positions + p, positionMajorIndex = base + p * channels + o
                            if toChannelMajor {
                                destination[channelMajorIndex] = source[positionMajorIndex]
                            } else {
                                destination[positionMajorIndex] = source[channelMajorIndex]
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
