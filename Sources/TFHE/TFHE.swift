// TFHE: KS→PBS on the 64-bit torus with FFTW negacyclic products (DESIGN §4).
//
// Client side (holds secrets, never printed):
//   let (clientKey, serverKey) = try ClientKey.generate(parameters: ParameterCatalog.named("concrete-p40-b4")!,
//                                                        seed: .operatingSystem)   // or .fixed(…): reproducible
//   let encoding = Encoding(precision: 4)                    // Δ = 2^(63−4), one padding bit
//   let ciphertext = clientKey.encrypt(m, encoding: encoding)   // under the big key (k·N)
//   clientKey.decrypt(ciphertext, encoding: encoding)        // nearest multiple of Δ, signed
//   clientKey.phase(ciphertext)                              // big- or small-key phase, by dimension
//   clientKey.phase(switchedCiphertext)                      // b̃ − Σ ãᵢsᵢ mod 2N
//   clientKey.phase(glweCiphertext)                          // phase polynomial
//
// Server side (ServerKey is Sendable; one PBSWorkspace per worker thread):
//   let workspace = serverKey.makeWorkspace()
//   let table = LookupTable(values: f, inputEncoding: encoding, outputEncoding: Encoding(precision: 6))
//   serverKey.programmableBootstrap(ciphertext, table: table, into: &output, workspace: workspace)
//   serverKey.programmableBootstrap(ciphertexts, tables: tables, threads: 2)    // a layer in parallel
//   Linear operations under the big key: +, −, * Int64, add, subtract, addScaled(_:by:),
//   multiply(by:), negate(), addPlaintext(encoding.encode(c)).
//   Stages, for noise measurement: keyswitch(_:), modulusSwitch(_:), blindRotate(_:table:workspace:),
//   sampleExtract(_:).
//
// Serialization: ClientKey.serialized() / ClientKey(serialized:), ServerKey likewise,
// LWECiphertext.serialized(parameters:) / LWECiphertext(serialized:parameters:); bad bytes
// throw SerializationError. The deployment files (kinds 4–6: keys and ciphertexts bound to a
// circuit) are Circuit's (Circuit/Deployment), written with this container's package-level
// BinaryWriter/BinaryReader and the key parts (`writeSecrets`, `writeBundle`, …).
