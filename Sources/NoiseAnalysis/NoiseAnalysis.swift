// Module NoiseAnalysis: see README.md "Layout".
