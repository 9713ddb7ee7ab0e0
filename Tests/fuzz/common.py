"""What the mutation campaigns through the real binary share (fuzz_volumes.py, fuzz_meshes.py):
a scratch directory with a fresh `work` directory per run, each nprec command run with a time
limit (a hang counts as a crash), every crash's work directory kept and reported, and the tally."""
import pathlib
import shutil
import subprocess
import tempfile


class Campaign:
    def __init__(self, name, nprec, timeout, allowed_exits):
        self.base = pathlib.Path(tempfile.mkdtemp(prefix=f"nprec-fuzz-{name}-"))
        self.nprec, self.timeout, self.allowed = nprec, timeout, allowed_exits
        self.crashes = self.accepted = 0

    def fresh_work(self):
        """An empty work directory for the next run."""
        work = self.base / "work"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        return work

    def run(self, arguments, what):
        """Runs nprec ARGUMENTS; on a crash (an exit not allowed, a crash report, a hang) keeps the
        work directory, reports it and returns None, else returns the result."""
        command = [self.nprec, *map(str, arguments)]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            result = subprocess.CompletedProcess(command, -999, "", f"hung: no exit after {self.timeout} s")
        if (result.returncode in self.allowed and "crashed" not in result.stderr
                and "Fatal error" not in result.stderr):
            return result
        self.crashes += 1
        keep = self.base / f"crash{self.crashes}"
        shutil.copytree(self.base / "work", keep)
        print(f"CRASH {what} (kept in {keep}): exit {result.returncode}: " + result.stderr[:400].replace("\n", " | "))
        return None

    def finish(self, runs, fixtures):
        """Prints the tally, removes the scratch directory when nothing crashed; the exit status."""
        print(f"{runs} mutated files from {fixtures} fixtures: {self.accepted} converted, "
              f"the others refused with exit 1; {self.crashes} crashes")
        if not self.crashes:
            shutil.rmtree(self.base, ignore_errors=True)
        return 1 if self.crashes else 0
