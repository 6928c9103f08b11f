import CGSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure reported by GSL, or a result GSL could not produce (NaN), with the GSL function
/// and the arguments it was called with.
public struct GSLError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The GSL status families the analyzer distinguishes (`gsl_errno.h`).
    public enum Code: Equatable, Sendable {
        /// GSL_EDOM: an argument lies outside the function's domain.
        case domain
        /// GSL_ERANGE: the result is not representable.
        case range
        /// GSL_EINVAL: an invalid argument supplied by the caller.
        case invalidArgument
        /// GSL_EFAILED, GSL_EMAXITER, GSL_ERUNAWAY: an iteration did not converge.
        case noConvergence
        /// GSL_EUNDRFLW.
        case underflow
        /// GSL_EOVRFLW.
        case overflow
        /// GSL_ELOSS, GSL_EROUND, GSL_ETOL: the requested accuracy was not reached.
        case precisionLoss
        /// Any other GSL status, kept raw.
        case other(Int32)

        init(status: Int32) {
            switch Int(status) {
            case GSL_EDOM: self = .domain
            case GSL_ERANGE: self = .range
            case GSL_EINVAL: self = .invalidArgument
            case GSL_EFAILED, GSL_EMAXITER, GSL_ERUNAWAY: self = .noConvergence
            case GSL_EUNDRFLW: self = .underflow
            case GSL_EOVRFLW: self = .overflow
            case GSL_ELOSS, GSL_EROUND, GSL_ETOL: self = .precisionLoss
            default: self = .other(status)
            }
        }
    }

    public let code: Code
    /// The raw GSL status (`GSL_EDOM` = 1, …).
    public let status: Int32
    /// GSL's own reason, innermost first (e.g. "P must be in range 0 < P < 1").
    public let reason: String
    /// The GSL function the wrapper called, e.g. `gsl_cdf_beta_Pinv`.
    public let function: String
    /// The arguments of that call, as `name: value` pairs.
    public let arguments: String

    public init(status: Int32, reason: String, function: String, arguments: String) {
        self.code = Code(status: status)
        self.status = status
        self.reason = reason
        self.function = function
        self.arguments = arguments
    }

    /// GSL's generic text for the status (`gsl_strerror`).
    public var statusText: String { String(cString: gsl_strerror(status)) }

    public var description: String {
        "\(function)(\(arguments)) failed: \(reason) (GSL status \(status): \(statusText))"
    }
}

// MARK: - Error handler

// GSL's default handler calls abort(). It is replaced, exactly once per process, by one that
// records the report in a per-thread slot instead: the cdf functions return only a value (NaN on
// error), so the slot is the only place GSL's reason and status survive. The install runs
// inside a global's lazy initializer, which Swift guarantees to run once, thread-safely.

/// What the handler saw during the current call on this thread.
private final class ErrorSlot {
    var status: Int32 = 0
    var reasons: [String] = []
}

private let errorSlotKey: pthread_key_t = {
    var key = pthread_key_t()
    #if canImport(Glibc)
    let result = pthread_key_create(&key) { pointer in
        if let pointer { Unmanaged<ErrorSlot>.fromOpaque(pointer).release() }
    }
    #else
    let result = pthread_key_create(&key) { pointer in
        Unmanaged<ErrorSlot>.fromOpaque(pointer).release()
    }
    #endif
    precondition(result == 0, "pthread_key_create failed with \(result)")
    return key
}()

private func currentErrorSlot() -> ErrorSlot {
    if let pointer = pthread_getspecific(errorSlotKey) {
        return Unmanaged<ErrorSlot>.fromOpaque(pointer).takeUnretainedValue()
    }
    let slot = ErrorSlot()
    pthread_setspecific(errorSlotKey, Unmanaged.passRetained(slot).toOpaque())
    return slot
}

private let recordingHandlerInstalled: Bool = {
    _ = errorSlotKey
    _ = gsl_set_error_handler { reason, _, _, status in
        let slot = currentErrorSlot()
        // GSL reports the innermost failure first and then each wrapper's re-report; the first
        // status is the informative one.
        if slot.status == 0 { slot.status = status }
        slot.reasons.append(reason.map { String(cString: $0) } ?? "no reason given")
    }
    return true
}()

/// True once GSL's aborting handler has been replaced. Every wrapper touches it first.
public var gslAbortingHandlerIsOff: Bool { recordingHandlerInstalled }

// MARK: - Call helpers

/// Runs one GSL call that reports failure only through the error handler or a NaN result.
func checkedGSLValue(
    _ function: String, _ arguments: @autoclosure () -> String, _ call: () -> Double
) throws(GSLError) -> Double {
    let slot = prepareSlot()
    let value = call()
    if slot.status != 0 {
        throw GSLError(status: slot.status, reason: slot.reasons.joined(separator: "; "),
                       function: function, arguments: arguments())
    }
    if value.isNaN {
        throw GSLError(status: Int32(GSL_EDOM),
                       reason: "the result is NaN: an argument lies outside the function's domain",
                       function: function, arguments: arguments())
    }
    return value
}

/// Runs one `gsl_sf_*_e` call that returns a status and fills a `gsl_sf_result`.
func checkedGSLResult(
    _ function: String, _ arguments: @autoclosure () -> String,
    _ call: (UnsafeMutablePointer<gsl_sf_result>) -> Int32
) throws(GSLError) -> (value: Double, absoluteError: Double) {
    let slot = prepareSlot()
    var result = gsl_sf_result(val: .nan, err: .nan)
    let status = call(&result)
    if status != Int32(GSL_SUCCESS) || slot.status != 0 {
        let reported = status != Int32(GSL_SUCCESS) ? status : slot.status
        let reason = slot.reasons.isEmpty ? String(cString: gsl_strerror(reported))
                                          : slot.reasons.joined(separator: "; ")
        throw GSLError(status: reported, reason: reason, function: function, arguments: arguments())
    }
    if result.val.isNaN {
        throw GSLError(status: Int32(GSL_EDOM),
                       reason: "the result is NaN: an argument lies outside the function's domain",
                       function: function, arguments: arguments())
    }
    return (result.val, result.err)
}

private func prepareSlot() -> ErrorSlot {
    precondition(recordingHandlerInstalled)
    let slot = currentErrorSlot()
    slot.status = 0
    slot.reasons.removeAll(keepingCapacity: true)
    return slot
}

/// Formats a wrapper's arguments for an error message.
func describeArguments(_ pairs: KeyValuePairs<String, Double>) -> String {
    pairs.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
}
