"""pytorch/examples word_language_model/data.py on PyTorch, plus the synthetic corpus that
replaces Wikitext-2 (the twin of examples/word_language_model/data.py)."""
import os
from io import open
import numpy as np
import torch

class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


class Corpus(object):
    def __init__(self, path):
        self.dictionary = Dictionary()
        self.train = self.tokenize(os.path.join(path, 'train.txt'))
        self.valid = self.tokenize(os.path.join(path, 'valid.txt'))
        self.test = self.tokenize(os.path.join(path, 'test.txt'))

    def tokenize(self, path):
        """Tokenizes a text file."""
        assert os.path.exists(path)
        # Add words to the dictionary
        with open(path, 'r', encoding="utf8") as f:
            for line in f:
                words = line.split() + ['<eos>']
                for word in words:
                    self.dictionary.add_word(word)

        # Tokenize file content
        with open(path, 'r', encoding="utf8") as f:
            idss = []
            for line in f:
                words = line.split() + ['<eos>']
                ids = []
                for word in words:
                    ids.append(self.dictionary.word2idx[word])
                idss.append(torch.tensor(ids).type(torch.int64))
            ids = torch.cat(idss)

        return ids


def write_synthetic(path, lines=(400, 40, 40), seed=0):  # data: a made-up language instead of Wikitext-2
    # train.txt, valid.txt and test.txt in `path`: sentences of a 40-word language whose
    # next word is one of three successors of the current one
    rng = np.random.default_rng(seed)
    vocab = ['w%d' % i for i in range(40)]
    succ = rng.integers(0, 40, size=(40, 3))
    os.makedirs(path, exist_ok=True)
    for name, n in zip(['train.txt', 'valid.txt', 'test.txt'], lines):
        with open(os.path.join(path, name), 'w', encoding="utf8") as f:
            for _ in range(n):
                w = [rng.integers(40)]
                for _ in range(rng.integers(4, 12)):
                    w.append(succ[w[-1], rng.integers(3)])
                f.write(' '.join(vocab[i] for i in w) + '\n')
