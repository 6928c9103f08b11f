// Module Experiments: see README.md "Layout".
