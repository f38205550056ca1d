"""The dynamic symbols a library defines must be exactly the functions a C
header declares. Prints the difference and exits non-zero if any.

  check_exports.py LIBRARY HEADER"""
import re
import subprocess
import sys

library, header = sys.argv[1:3]
out = subprocess.run(["nm", "-D", "--defined-only", library],
                     capture_output=True, text=True, check=True).stdout
exported = {line.split()[-1] for line in out.splitlines() if line.strip()}
text = re.sub(r"/\*.*?\*/", "", open(header).read(), flags=re.S)
declared = set(re.findall(r"\b(llmc_\w+)\s*\(", text))
extra, missing = sorted(exported - declared), sorted(declared - exported)
for name in extra:
    print(f"exported but not in {header}: {name}")
for name in missing:
    print(f"declared but not exported: {name}")
print(f"{len(exported)} exported, {len(declared)} declared")
sys.exit(1 if extra or missing else 0)
