"""Korean text handling: BM25 tokenizer, chunking, sentence splitting."""
