#!/usr/bin/env python3
"""Checks deploy/kubernetes/nprec-pyramid-job.yaml, then runs its commands on this machine.

usage: check_k8s_manifest.py NPREC_BIN MANIFEST [VOLUME]

1. Static checks: every document has apiVersion, kind and a name; there is one Indexed Job
   (completionMode Indexed, completions == parallelism == N) whose container runs
   `nprec pyramid --task $(JOB_COMPLETION_INDEX)/N` (args form, expanded by Kubernetes) or
   `--task "$JOB_COMPLETION_INDEX"/N` (`sh -c` form, expanded by the shell), and one plain Job,
   created suspended, running `nprec downscale` on the same DEST with the tasks' options that
   downscale takes (--flat, --no-gzip, --compresslevel, --downscaling-method, ...); every volumeMount names a volume of its pod; the paths of both commands lie on the
   same persistentVolumeClaim, which the file defines with ReadWriteMany and which is mounted
   writable; both containers have cpu and memory requests and limits, and `-j` is at most the
   cpu limit; the two Jobs use the same image.
2. The run: each Job's container command is run locally as Kubernetes would run it: the N
   tasks at once, task k with JOB_COMPLETION_INDEX=k in its environment (plus the container's
   `env` values) and $(VAR) references in command and args expanded by the Kubernetes rules
   ($(VAR) -> value when VAR is defined, $$ -> $, anything else kept), then the downscale
   Job. The mapping to this machine:
   - each volume's mountPath (e.g. /data) becomes a directory of a temporary directory, one
     per claim (plus the mount's subPath): the manifest's paths are rewritten by prefix, in
     args and, for `sh -c`, in the script text;
   - `nprec` (the command, or `nprec` anywhere on PATH for `sh -c`) is NPREC_BIN;
   - the input VOLUME of the pyramid command (its next-to-last positional argument) is a copy
     of VOLUME (default: Fixtures/sample/brain.nii.gz), placed at its mapped path.
3. The comparison: the same pyramid command without --task and -j (a single `nprec pyramid`
   run) writes a reference; the Jobs' DEST must equal it byte for byte (same files and
   directories, hidden ones included, same bytes, no *.tmp left).

Needs PyYAML: Debian's python3-yaml.
"""
import filecmp
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import yaml
except ImportError:
    sys.exit("check_k8s_manifest: needs PyYAML (apt-get install python3-yaml)")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHELLS = {"sh", "bash", "dash", "ash"}
ALIASES = {"--no-compression": "--no-gzip", "--jobs": "-j"}
NOT_SHARED = {"-j", "--jobs", "--task", "--resume", "-h", "--help"}
INDEX_VAR = "JOB_COMPLETION_INDEX"


class Failure(Exception):
    pass


def log(msg):
    print(f"{time.strftime('%H:%M:%S')} [k8s] {msg}", file=sys.stderr, flush=True)


def need(cond, msg):
    if not cond:
        raise Failure(msg)


# ---- Kubernetes semantics ---------------------------------------------------------------------


def k8s_expand(text, env):
    """$(VAR) expansion of command, args and env values (k8s third_party/forked/golang/expansion)."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c != "$" or i + 1 >= len(text):
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":  # escaped operator
            out.append("$")
            i += 2
        elif nxt == "(":
            end = text.find(")", i + 2)
            if end < 0:  # incomplete reference: kept
                out.append("$(")
                i += 2
            else:
                name = text[i + 2 : end]
                out.append(env[name] if name in env else text[i : end + 1])
                i = end + 1
        else:
            out.append("$" + nxt)
            i += 2
    return "".join(out)


def container_env(container, index):
    """The environment Kubernetes gives the container: its env list in order (each value
    expanded with the ones before it), then JOB_COMPLETION_INDEX for an Indexed Job's pod."""
    env = {}
    for item in container.get("env") or []:
        name = item["name"]
        if "value" in item:
            env[name] = k8s_expand(str(item["value"]), env)
        elif name == INDEX_VAR and index is not None:
            pass  # set below, as the controller does from the pod's annotation
        else:
            raise Failure(f"env {name}: only plain values are supported by this check")
    if index is not None:
        env[INDEX_VAR] = str(index)
    return env


# ---- the manifest -----------------------------------------------------------------------------


def load(path):
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    for d in docs:
        need(isinstance(d, dict), f"{path}: a document is not a mapping")
        for key in ("apiVersion", "kind"):
            need(key in d, f"{path}: a document has no {key}")
        need((d.get("metadata") or {}).get("name"), f"{path}: a {d['kind']} has no metadata.name")
    return docs


class JobView:
    """One Job: its container (the one running nprec), command form, mounts."""

    def __init__(self, doc, claims):
        self.doc = doc
        self.name = doc["metadata"]["name"]
        spec = doc.get("spec") or {}
        self.spec = spec
        pod = (spec.get("template") or {}).get("spec") or {}
        need(pod.get("restartPolicy") in ("Never", "OnFailure"),
             f"job {self.name}: restartPolicy must be Never or OnFailure")
        containers = pod.get("containers") or []
        need(len(containers) == 1, f"job {self.name}: expected one container, found {len(containers)}")
        self.container = c = containers[0]
        need(c.get("image"), f"job {self.name}: container has no image")
        need(c.get("command"), f"job {self.name}: set `command` (the check cannot know the image's entrypoint)")
        self.argv = [str(a) for a in c["command"]] + [str(a) for a in c.get("args") or []]
        exe = os.path.basename(self.argv[0])
        if exe in SHELLS:
            need(len(self.argv) >= 3 and self.argv[1] == "-c",
                 f"job {self.name}: a shell command must be [{exe}, -c, SCRIPT]")
            self.shell = True
            self.script = self.argv[2]
        else:
            self.shell = False
            self.script = None
        # Volumes: name -> claim; mounts: mountPath -> (claim, subPath, readOnly).
        volumes = {}
        for v in pod.get("volumes") or []:
            pvc = v.get("persistentVolumeClaim")
            volumes[v["name"]] = pvc["claimName"] if pvc else None
        self.mounts = {}
        for m in c.get("volumeMounts") or []:
            need(m["name"] in volumes, f"job {self.name}: volumeMount {m['name']} names no volume of the pod")
            need(m["mountPath"].startswith("/"), f"job {self.name}: mountPath {m['mountPath']} is not absolute")
            claim = volumes[m["name"]]
            if claim is not None:
                need(claim in claims, f"job {self.name}: claim {claim} is not defined in the manifest")
            self.mounts[m["mountPath"].rstrip("/") or "/"] = (claim, m.get("subPath", ""), bool(m.get("readOnly")))

    def words(self, env):
        """The nprec command's words, as the container would run them with `env`."""
        if not self.shell:
            return [k8s_expand(a, env) for a in self.argv]
        # sh -c: the first simple command running nprec; variables expanded like the shell
        # would for the checks (the run itself goes through sh).
        lexer = shlex.shlex(self.script, posix=True, punctuation_chars=";&|()<>")
        lexer.whitespace_split = True
        tokens = list(lexer)
        for i, t in enumerate(tokens):
            if os.path.basename(t) == "nprec" or t.endswith("/nprec"):
                cmd = []
                for w in tokens[i:]:
                    if w and set(w) <= set(";&|()<>"):
                        break
                    cmd.append(re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), w))
                return cmd
        raise Failure(f"job {self.name}: no nprec command in the script")

    def place(self, path):
        """(claim, subPath-relative path, readOnly) of an absolute path in the container."""
        best = None
        for mp in self.mounts:
            if path == mp or path.startswith(mp.rstrip("/") + "/"):
                if best is None or len(mp) > len(best):
                    best = mp
        need(best is not None, f"job {self.name}: {path} is on no volume mount (it would be lost with the pod)")
        claim, sub, ro = self.mounts[best]
        need(claim is not None, f"job {self.name}: {path} is not on a persistentVolumeClaim")
        rest = os.path.relpath(path, best)
        return claim, os.path.normpath(os.path.join(sub, rest)), ro


def option_arity(nprec, command):
    """Options of `nprec COMMAND --help` that take a value."""
    text = subprocess.run([nprec, command, "--help"], capture_output=True, text=True).stdout
    valued, flags = set(), set()
    for line in text.splitlines():
        m = re.match(r"^\s{2,}((?:-{1,2}[\w-]+(?:, )?)+)(?: ([A-Z][\w,./]*))?(?:\s{2,}|$)", line)
        if not m:
            continue
        names = [n.strip() for n in m.group(1).split(",") if n.strip()]
        (valued if m.group(2) else flags).update(names)
    return valued, flags, text


def split_command(words, valued):
    """nprec SUBCOMMAND words -> (subcommand, [(option, value or None)], positionals)."""
    need(len(words) >= 2, f"command too short: {words}")
    sub, options, positionals = words[1], [], []
    i = 2
    while i < len(words):
        w = words[i]
        if w.startswith("-") and len(w) > 1:
            name, eq, val = w.partition("=")
            if name in valued and not eq:
                need(i + 1 < len(words), f"{name} has no value")
                val = words[i + 1]
                i += 1
            options.append((name, val if (eq or name in valued) else None))
        else:
            positionals.append(w)
        i += 1
    return sub, options, positionals


def option_value(options, *names):
    vals = [v for n, v in options if n in names]
    return vals[-1] if vals else None


def unparse(options):
    out = []
    for n, v in options:
        out += [n] if v is None else [n, v]
    return out


def cpu_cores(q):
    q = str(q)
    return float(q[:-1]) / 1000 if q.endswith("m") else float(q)


# ---- comparison -------------------------------------------------------------------------------


def listing(root):
    entries = []
    for d, dirs, files in os.walk(root):
        for n in dirs:
            entries.append("d " + os.path.relpath(os.path.join(d, n), root))
        for n in files:
            entries.append("f " + os.path.relpath(os.path.join(d, n), root))
    return sorted(entries)


def compare(ref, out):
    problems = []
    if not os.path.isdir(out):
        return [f"{out}: missing"]
    tmp = [e for e in listing(out) if e.endswith(".tmp")]
    if tmp:
        problems.append("temporary files left: " + ", ".join(tmp[:10]))
    a, b = listing(ref), listing(out)
    if a != b:
        only_ref = sorted(set(a) - set(b))
        only_out = sorted(set(b) - set(a))
        problems.append(f"file lists differ: only in the reference {only_ref[:10]}, only in the Jobs' output {only_out[:10]}")
    for e in a:
        if e.startswith("f ") and e in b:
            rel = e[2:]
            if not filecmp.cmp(os.path.join(ref, rel), os.path.join(out, rel), shallow=False):
                problems.append(f"{rel}: bytes differ")
    return problems


# ---- main -------------------------------------------------------------------------------------


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.split("\n\n")[1])
    nprec = os.path.realpath(sys.argv[1])
    manifest = sys.argv[2]
    volume = os.path.realpath(sys.argv[3] if len(sys.argv) == 4 else os.path.join(REPO, "Fixtures/sample/brain.nii.gz"))
    need(os.access(nprec, os.X_OK), f"{nprec}: not executable")
    valued, flags, help_text = option_arity(nprec, "pyramid")
    need("--task" in help_text,
         f"{nprec} has no 'pyramid --task I/N' (see '{nprec} pyramid --help'): build nprec with distributed execution first")
    down_valued, down_flags, _ = option_arity(nprec, "downscale")

    # ---- static checks
    docs = load(manifest)
    claims = {}
    for d in docs:
        if d["kind"] == "PersistentVolumeClaim":
            modes = (d.get("spec") or {}).get("accessModes") or []
            claims[d["metadata"]["name"]] = modes
    jobs = [d for d in docs if d["kind"] == "Job"]
    for d in jobs:
        need(d["apiVersion"] == "batch/v1", f"job {d['metadata']['name']}: apiVersion {d['apiVersion']}, expected batch/v1")
    indexed = [d for d in jobs if (d.get("spec") or {}).get("completionMode") == "Indexed"]
    others = [d for d in jobs if (d.get("spec") or {}).get("completionMode", "NonIndexed") == "NonIndexed"]
    need(len(indexed) == 1, f"expected one Job with completionMode: Indexed, found {len(indexed)}")
    need(len(others) == 1, f"expected one other Job (the final downscale), found {len(others)}")
    tasks, final = JobView(indexed[0], claims), JobView(others[0], claims)

    n = tasks.spec.get("completions")
    need(isinstance(n, int) and n >= 1, f"job {tasks.name}: completions must be a positive integer")
    need(tasks.spec.get("parallelism") == n,
         f"job {tasks.name}: parallelism {tasks.spec.get('parallelism')} != completions {n}")
    need(final.spec.get("suspend") is True,
         f"job {final.name}: must be created with suspend: true (it may only start once every task succeeded)")
    need(final.spec.get("completions", 1) == 1 and final.spec.get("parallelism", 1) == 1,
         f"job {final.name}: must run one pod")
    need(tasks.container["image"] == final.container["image"],
         f"the two Jobs use different images: {tasks.container['image']} and {final.container['image']}")

    # The --task argument, before expansion: it must be the index over N.
    raw = tasks.script if tasks.shell else " ".join(tasks.argv)
    if tasks.shell:
        pattern = r"--task[= ]+[\"']?\$\{?JOB_COMPLETION_INDEX\}?[\"']?/[\"']?" + str(n) + r"\b"
    else:
        pattern = r"--task[= ]+\$\(JOB_COMPLETION_INDEX\)/" + str(n) + r"(?!\d)"
    need(re.search(pattern, raw), f"job {tasks.name}: the command needs --task with {INDEX_VAR} over {n}: {raw}")

    words = {}
    for i in range(n):
        w = tasks.words(container_env(tasks.container, i))
        need(os.path.basename(w[0]) == "nprec", f"job {tasks.name}: runs {w[0]}, not nprec")
        sub, options, positionals = split_command(w, valued)
        need(sub == "pyramid", f"job {tasks.name}: runs nprec {sub}, expected pyramid")
        need(option_value(options, "--task") == f"{i}/{n}",
             f"job {tasks.name}: pod {i} would run --task {option_value(options, '--task')}, expected {i}/{n}")
        words[i] = (options, positionals)
    options, positionals = words[0]
    need(len(positionals) == 2, f"job {tasks.name}: expected VOLUME DEST, found {positionals}")
    fw = final.words(container_env(final.container, None))
    fsub, foptions, fpositionals = split_command(fw, down_valued)
    need(os.path.basename(fw[0]) == "nprec" and fsub == "downscale", f"job {final.name}: expected nprec downscale, found {fw[:2]}")
    need(len(fpositionals) == 1, f"job {final.name}: expected DEST, found {fpositionals}")

    src_place = tasks.place(positionals[0])
    dest_place = tasks.place(positionals[1])
    fdest_place = final.place(fpositionals[0])
    need(dest_place[:2] == fdest_place[:2],
         f"DEST differs: {tasks.name} writes {positionals[1]} (claim {dest_place[0]}:{dest_place[1]}), "
         f"{final.name} reads {fpositionals[0]} (claim {fdest_place[0]}:{fdest_place[1]})")
    need(not dest_place[2] and not fdest_place[2], "DEST is on a readOnly mount")
    for claim in {src_place[0], dest_place[0]}:
        need("ReadWriteMany" in claims[claim] or ("ReadOnlyMany" in claims[claim] and claim != dest_place[0]),
             f"claim {claim}: accessModes {claims[claim]} (the pods of several nodes share it: ReadWriteMany)")
    # The final downscale must have the tasks' options that it takes (storage, downscaling
    # method, ...): they are not in the info.
    shared = (down_valued | down_flags) - NOT_SHARED
    shared_of = lambda opts: sorted((ALIASES.get(k, k), v) for k, v in opts if k in shared)
    need(shared_of(options) == shared_of(foptions),
         f"the final downscale needs the tasks' options it takes: tasks {shared_of(options)}, "
         f"final downscale {shared_of(foptions)}")
    for job, opts in ((tasks, options), (final, foptions)):
        res = job.container.get("resources") or {}
        for kind in ("requests", "limits"):
            for r in ("cpu", "memory"):
                need(r in (res.get(kind) or {}), f"job {job.name}: no resources.{kind}.{r}")
        jobs_opt = option_value(opts, "-j", "--jobs")
        need(jobs_opt is not None, f"job {job.name}: give -j (the default is every core of the node, not the pod's share)")
        need(int(jobs_opt) <= cpu_cores(res["limits"]["cpu"]),
             f"job {job.name}: -j {jobs_opt} exceeds the cpu limit {res['limits']['cpu']}")
    log(f"{manifest}: static checks passed ({n} tasks, claim {dest_place[0]}, DEST {positionals[1]})")

    # ---- the run
    work = tempfile.mkdtemp(prefix="nprec-k8s.")
    ok = False
    try:
        bindir = os.path.join(work, "bin")
        os.makedirs(bindir)
        os.symlink(nprec, os.path.join(bindir, "nprec"))

        def host_path(job, path):
            claim, rel, _ = job.place(path)
            return os.path.normpath(os.path.join(work, "claims", claim, rel))

        for job in (tasks, final):
            for mp, (claim, sub, _) in job.mounts.items():
                if claim:
                    os.makedirs(os.path.join(work, "claims", claim, sub), exist_ok=True)
        vol = host_path(tasks, positionals[0])
        os.makedirs(os.path.dirname(vol), exist_ok=True)
        shutil.copyfile(volume, vol)

        def command(job, index):
            """argv to run locally and its environment."""
            env = dict(os.environ)
            env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
            cenv = container_env(job.container, index)
            env.update(cenv)
            if job.shell:
                script = job.script
                for mp in sorted(job.mounts, key=len, reverse=True):
                    if job.mounts[mp][0]:
                        target = host_path(job, mp)
                        script = re.sub(r"(?<![\w./-])" + re.escape(mp) + r"(?=/|[\s\"';&|)]|$)", target, script)
                return job.argv[:2] + [script] + job.argv[3:], env
            argv = [k8s_expand(a, cenv) for a in job.argv]
            argv[0] = nprec if os.path.basename(argv[0]) == "nprec" else argv[0]
            mapped = []
            for a in argv:
                for mp in sorted(job.mounts, key=len, reverse=True):
                    if job.mounts[mp][0] and (a == mp or a.startswith(mp.rstrip("/") + "/")):
                        a = host_path(job, a)
                        break
                mapped.append(a)
            return mapped, env

        logs = os.path.join(work, "logs")
        os.makedirs(logs)
        t0 = time.time()
        procs = []
        for i in range(n):
            argv, env = command(tasks, i)
            out = open(os.path.join(logs, f"task{i}.log"), "w")
            procs.append((i, subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT), out))
        failed = []
        for i, p, out in procs:
            p.wait()
            out.close()
            if p.returncode != 0:
                failed.append(i)
        for i in failed:
            with open(os.path.join(logs, f"task{i}.log")) as f:
                log(f"pod {i} of {tasks.name} failed:\n{f.read()[-2000:]}")
        need(not failed, f"{len(failed)} of {n} tasks failed")
        log(f"{n} tasks of {tasks.name} done in {time.time() - t0:.1f} s")
        argv, env = command(final, None)
        r = subprocess.run(argv, env=env, capture_output=True, text=True)
        need(r.returncode == 0, f"{final.name} failed ({r.returncode}):\n{r.stderr[-2000:]}")
        log(f"{final.name} done")

        # The single-process reference: the tasks' command without --task and -j.
        ref = os.path.join(work, "reference")
        ref_options = [(k, v) for k, v in options if k not in ("--task", "-j", "--jobs")]
        r = subprocess.run([nprec, "pyramid", *unparse(ref_options), vol, ref], capture_output=True, text=True)
        need(r.returncode == 0, f"reference run failed:\n{r.stderr[-2000:]}")
        dest = host_path(tasks, positionals[1])
        problems = compare(ref, dest)
        for p in problems[:20]:
            log("  " + p)
        need(not problems, f"the Jobs' output differs from a single `nprec pyramid` ({len(problems)} problems)")
        log(f"identical to a single `{' '.join(['nprec pyramid', *unparse(ref_options)])} VOLUME DEST`: "
            f"{sum(1 for e in listing(ref) if e[0] == 'f')} files")
        ok = True
    finally:
        if ok and not os.environ.get("NPREC_CLUSTER_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"work directory kept: {work}")


if __name__ == "__main__":
    t = time.time()
    try:
        main()
    except Failure as e:
        log(f"FAIL: {e}")
        sys.exit(1)
    log(f"PASS in {time.time() - t:.1f} s")
