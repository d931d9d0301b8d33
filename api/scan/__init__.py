"""Pre-billing chart scans: group notes into episodes, analyze them in parallel, store results.

The scanner is a shell over the one engine (`nlp.analyze_episode`): it reads input, groups
documents into episodes, adds each patient's session history for the frequency limit, and
writes rows, a summary and a coder worklist. It never re-implements extraction or checking.
"""

from api.scan.runner import ScanOptions, ScanReport, run_scan

__all__ = ["ScanOptions", "ScanReport", "run_scan"]
