import ArgumentParser
import GSLStatistics
import Circuit
import Experiments
import Foundation

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bit-exact differential check: encrypted vs clear integer model, op by op.",
        discussion: """
            For each experiment: prepare the circuit as `lockstep run` does (reusing a saved float model \
            when one matches), choose 128-bit TFHE parameters, generate fresh keys, run a seeded subset \
            of the test split encrypted, decrypt every layer with the client key and compare it with the \
            clear integer executor. Every mismatch is reported with its sample, layer and neuron; nothing \
            is retried. One sample is one test; the last line is `N passed, M failed` and the exit \
            status is 1 if any sample failed.
            """)

    @Argument(help: "Experiment config files (YAML).")
    var configs: [String]

    @Option(name: .customLong("fhe-samples"), help: "Encrypted samples per experiment (default: the config's fhe.samples).")
    var fheSamples: Int?

    @Option(help: "PBS worker threads (default: the config's fhe.threads; 0 = all cores).", transform: workerThreads)
    var threads: Int?

    @OptionGroup var folders: ExperimentFolders

    @OptionGroup var keys: KeySeedOption

    func validate() throws {
        if configs.isEmpty { throw ValidationError("Give at least one config file, e.g. `lockstep verify configs/ci/*.yaml`.") }
        // The same ranges as the config keys fhe.samples and fhe.threads.
        if let fheSamples, !(1...1_000_000).contains(fheSamples) {
            throw ValidationError("--fhe-samples must be in 1...1000000, got \(fheSamples).")
        }
    }

    func run() async throws {
        var planned: [ExperimentConfig] = []
        for file in configs {
            do { planned += try ConfigLoader.load(path: file) } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        }
        let runner = ExperimentRunner(options: folders.runOptions())
        var (passed, failed) = (0, 0)
        for (position, config) in planned.enumerated() {
            let count = fheSamples ?? config.fhe.samples
            printLine("[\(position + 1)/\(planned.count)] \(config.name): \(count) encrypted samples")
            guard count > 0 else {
                printError("  error: \(config.name) has fhe.samples 0; pass --fhe-samples N")
                failed += 1
                continue
            }
            do {
                let prepared = try runner.prepare(config)
                let evaluation = try EncryptedEvaluation.run(
                    circuit: prepared.circuit, quantized: prepared.quantized, testFeatures: prepared.split.test.features,
                    count: count, subsetSeed: config.fhe.seed, log2PErrorTarget: log2(config.fhe.pError),
                    parameters: config.fhe.parameters, threads: threads ?? config.fhe.threads, keySeed: keys.keySeed)
                let plan = evaluation.plan
                printLine("  parameters \(plan.keysDescription) (\(plan.selection)): n=\(plan.parameters.lweDimension) "
                    + "k=\(plan.parameters.glweDimension) N=\(plan.parameters.polynomialSize); "
                    + "PBS/sample \(plan.pbsCount) (\(plan.tablePBSCount) table, \(plan.roundingPBSCount) rounding); "
                    + "per layer held bits → table bits [rounding groups] (+ padding bit): "
                    + plan.layers.map { layer in
                        layer.tablePrecision.map {
                            "\(layer.messageBits)→\($0)\(layer.usesPaddingBit ? "+1" : "") \(layer.roundingGroups.map(\.bits))"
                        }
                            ?? "\(layer.messageBits) decrypted"
                    }.joined(separator: ", ") + "; "
                    + "predicted global p_error 2^\(String(format: "%.1f", plan.log2GlobalPError)); keys: \(evaluation.keySeedDescription)")
                for index in evaluation.sampleIndices {
                    let mine = evaluation.divergences.filter { $0.sample == index }
                    if mine.isEmpty {
                        passed += 1
                    } else {
                        failed += 1
                        printLine("  FAIL sample \(index): \(mine.count) mismatched values; first: \(mine[0].description)")
                    }
                }
                let latencyMedian = SampleQuantile.median(evaluation.latenciesSeconds) ?? .nan
                printLine("  \(evaluation.samples - evaluation.mismatchedSamples)/\(evaluation.samples) samples bit-exact; "
                    + "FHE accuracy on subset vs clear: \(evaluation.samePredictions)/\(evaluation.samples) same predictions; "
                    + "latency median \(String(format: "%.1f", 1000 * latencyMedian)) ms on \(evaluation.threads) threads; "
                    + "keygen \(String(format: "%.2f", evaluation.keygenSeconds)) s")
            } catch {
                failed += max(1, count)
                printError("  FAILED: \(error)")
            }
        }
        printLine("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
