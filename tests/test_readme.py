"""The README's code runs as written (the training loop shortened to one epoch).

Only ```python blocks run; ```bash and ```py blocks (and tables) are not executed."""
import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path, capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 4
    ns = {}
    for b in blocks:
        b = b.replace("range(30)", "range(1)").replace('"ckpt.npz"', repr(str(tmp_path / "ckpt.npz")))
        exec(compile(b, str(README), "exec"), ns)
    text = capsys.readouterr().out
    out = text.split()
    assert float(out[0]) == np.cos(2) + 3 and float(out[1]) == 2.0
    acc = re.search(r"^test accuracy (\S+)$", text, re.M)      # the training example prints it
    assert acc and float(acc.group(1)) > 0.7, text
    assert (tmp_path / "ckpt.npz").exists()
