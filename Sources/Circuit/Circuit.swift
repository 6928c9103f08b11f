// Module Circuit: see README.md "Layout".
