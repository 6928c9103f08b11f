// Module NeuralNet: see README.md "Layout".
