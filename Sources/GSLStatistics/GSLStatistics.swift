// Module GSLStatistics: see README.md "Layout".
