// Module Datasets: see README.md "Layout".
