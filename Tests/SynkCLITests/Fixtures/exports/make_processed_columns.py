"""Makes processed_columns.csv: the first 3 s of the real BIOPAC export (SampleData/real/biopac_facial_femg_sub_f_005.txt,
R package countenance, MIT; see SampleData/real/README.md) rewritten as a plain CSV the way spreadsheet users export
it: a time column, the raw corrugator and zygomaticus EMG in mV under anatomical names, the device's processed
envelopes of the same muscles next to them (EMG_cor_processed, EMG_zyg_processed), and the stimulus marker.
No channel states a side. Run from this folder: python3 make_processed_columns.py"""
import os

source = os.path.join(os.path.dirname(__file__), "../../../../SampleData/real/biopac_facial_femg_sub_f_005.txt")
with open(source) as f:
    lines = f.read().splitlines()
rows = lines[35:35 + 3000]   # 2 + 1 + 15*2 header lines, the CH line and the count line
out = ["Time (s),Corrugator (mV),Zygomaticus (mV),EMG_cor_processed,EMG_zyg_processed,Marker"]
for n, row in enumerate(rows):
    cells = row.rstrip(",").split(",")
    # Columns of the export: 0 Corr Raw, 1 Zyg Raw, 11 Corr Processed, 12 Zyg Processed, 14 Marker.
    out.append(",".join(["%.3f" % (n / 1000)] + [cells[i] for i in (0, 1, 11, 12, 14)]))
with open(os.path.join(os.path.dirname(__file__), "processed_columns.csv"), "w") as f:
    f.write("\n".join(out) + "\n")
