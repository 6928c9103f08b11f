// Module Quantization: see README.md "Layout".
