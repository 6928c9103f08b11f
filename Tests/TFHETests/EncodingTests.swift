import Foundation
import Testing
@testable import TFHE

@Suite struct EncodingTests {
    @Test func decodeRoundsToTheNearestMultipleOfDelta() {
        let encoding = Encoding(precision: 4)   // Δ = 2^59
        let delta = encoding.delta
        #expect(encoding.decode(encoding.encode(5)) == 5)
        #expect(encoding.decode(encoding.encode(5) &+ delta / 2 &- 1) == 5)
        #expect(encoding.decode(encoding.encode(5) &+ delta / 2) == 6)        // ties go up
        #expect(encoding.decode(encoding.encode(5) &- delta / 2) == 5)
        #expect(encoding.decode(encoding.encode(-3)) == -3)
        #expect(encoding.decode(1 << 63) == -16)                              // the padding half reads as negative
        let odd = Encoding(precision: 3, delta: 1_000_000_007)
        for message in [-50, -1, 0, 1, 7, 1234] {
            #expect(odd.decode(odd.encode(message) &+ 400_000_000) == message)
            #expect(odd.decode(odd.encode(message) &- 500_000_003) == message)
        }
        #expect(Encoding(precision: 0).decode(1 << 63) == 1)
    }

    @Test func decodingValidatesLikeTheInitializer() throws {
        let good = try JSONDecoder().decode(Encoding.self, from: Data(#"{"precision":4,"delta":576460752303423488}"#.utf8))
        #expect(good == Encoding(precision: 4))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Encoding.self, from: Data(#"{"precision":4,"delta":0}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Encoding.self, from: Data(#"{"precision":4,"delta":1152921504606846976}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Encoding.self, from: Data(#"{"precision":70,"delta":1}"#.utf8))
        }
    }
}
