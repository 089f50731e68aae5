"""What a program may read through the API: the rows each caller sees, a page at a time after a cursor."""
