import { describe, expect, it } from 'vitest';
import { analyzeArgv, analyzeCommand, type CommandAnalysis } from '../../src/policy/index.js';
import { ASTRID_HOME, del, HOME, read, WORKSPACE, write } from './fixtures.js';

const W = WORKSPACE;
const OPTS = { cwd: W, home: HOME, env: { ASTRID_HOME } };
const analyze = (command: string, cwd = W) => analyzeCommand(command, { ...OPTS, cwd });
const files = (a: CommandAnalysis) => a.actions.filter((x) => x.kind !== 'execute_command');

describe('words', () => {
  it('removes quotes and decodes escapes the way bash does', async () => {
    const a = await analyze(`printf "a b" 'c' d\\ e $'\\t\\x41' "x\\"y" pre"mid"'post'`);
    expect(a.commands[0]?.argv).toEqual(['printf', 'a b', 'c', 'd e', '\tA', 'x"y', 'premidpost']);
    expect(a.unresolved).toEqual([]);
  });

  it('expands ~ and ~/ but not a quoted tilde or ~user', async () => {
    const a = await analyze('cat ~/a "~/b" ~+/c');
    expect(a.commands[0]?.argv).toEqual(['cat', `${HOME}/a`, '~/b', `${W}/c`]);
    expect((await analyze('cat ~bob/x')).unresolved).toEqual([expect.stringMatching(/tilde expansion/)]);
  });

  it('expands ~ after the = of an assignment-like word (dd of=~/x), as bash does', async () => {
    const a = await analyze('dd if=/dev/zero of=~/disk.img');
    expect(files(a)).toEqual([write(`${HOME}/disk.img`)]);
  });

  it('keeps a known variable for checks but marks the word unresolved', async () => {
    const a = await analyze('cat "$HOME/notes"');
    expect(files(a)).toEqual([read(`${HOME}/notes`)]);
    expect(a.unresolved).toEqual([expect.stringMatching(/parameter expansion/)]);
    const unknown = await analyze('cat "$X/notes"');
    expect(files(unknown)).toEqual([]);
  });
});

describe('commands and their identity', () => {
  it('finds every simple command in lists, pipelines, subshells, groups and substitutions', async () => {
    const a = await analyze('a && b || c; (d | e) & { f; }; g $(h `i`) <(j)');
    expect(a.commands.map((c) => c.argv[0]).sort()).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
      'f',
      'g',
      'h',
      'i',
      'j',
    ]);
    expect(a.unresolved).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/background/),
        expect.stringMatching(/command substitution/),
      ]),
    );
  });

  it('resolves a program named by a relative path against the cwd; identity is basename and path', async () => {
    const a = await analyze('./sudo ls', `${W}/bin`);
    expect(a.commands[0]).toMatchObject({ basename: 'sudo', resolvedPaths: [`${W}/bin/sudo`] });
    expect(a.unresolved).toEqual([expect.stringMatching(/program by path/)]);
    const sys = await analyze('/usr/bin/env ls');
    expect(sys.unresolved).toEqual([]);
  });

  it('unwraps wrappers down to the command they run, recording the path through them', async () => {
    const a = await analyze(
      'env -i A=1 nice -n 5 timeout -s KILL 5 stdbuf -oL ionice -c3 command exec time sudo id',
    );
    const sudo = a.commands.find((c) => c.basename === 'sudo');
    expect(sudo?.argv).toEqual(['sudo', 'id']);
    expect(sudo?.via).toEqual(['env', 'nice', 'timeout', 'stdbuf', 'ionice', 'command', 'exec', 'time']);
  });

  it('env -C and git -C move the cwd of what they run', async () => {
    expect(files(await analyze('env -C /srv cat x'))).toEqual([read('/srv/x')]);
    expect(files(await analyze('git -C /srv/repo config user.name x'))).toEqual([
      write('/srv/repo/.git/config'),
    ]);
  });

  it('reads bash -c strings recursively, and marks non-literal ones unresolved', async () => {
    const a = await analyze(`bash -c 'cd /tmp && rm -r x'`);
    expect(files(a)).toEqual(expect.arrayContaining([del('/tmp/x')]));
    const b = await analyze('sh -c "$CMD"');
    expect(b.unresolved).toEqual(expect.arrayContaining([expect.stringMatching(/non-literal string/)]));
  });

  it('find -exec commands are commands; {} makes their arguments unknown', async () => {
    const a = await analyze('find src -name "*.ts" -exec grep -n TODO {} +');
    expect(a.commands.map((c) => c.argv[0])).toEqual(['find', 'grep']);
    expect(a.unresolved).toEqual([expect.stringMatching(/passes the paths it finds/)]);
    expect(files(await analyze('find build -delete'))).toEqual([read(`${W}/build`), del(`${W}/build`)]);
  });

  it('an argv run without a shell is not expanded but is still followed', async () => {
    const a = await analyzeArgv(['cat', '*.txt', '$HOME'], OPTS);
    expect(a.unresolved).toEqual([]);
    expect(files(a)).toEqual([read(`${W}/*.txt`), read(`${W}/$HOME`)]);
    const b = await analyzeArgv(['sh', '-c', 'cat /etc/passwd'], OPTS);
    expect(files(b)).toEqual([read('/etc/passwd')]);
  });

  it('a parse error is unresolved but what parsed is still analysed', async () => {
    const a = await analyze('sudo ls; echo "unterminated');
    expect(a.unresolved).toEqual(expect.arrayContaining([expect.stringMatching(/does not parse/)]));
    expect(a.commands.map((c) => c.basename)).toContain('sudo');
  });
});

describe('working directory tracking', () => {
  it('follows cd across && and keeps both directories when cd may have failed', async () => {
    expect(files(await analyze('cd /tmp && cat a'))).toEqual([read('/tmp/a')]);
    expect(files(await analyze('cd /tmp; cat a'))).toEqual([read('/tmp/a'), read(`${W}/a`)]);
    expect(files(await analyze('cd /tmp || cat a'))).toEqual([read(`${W}/a`)]);
    expect(files(await analyze('cd'))).toEqual([]);
    expect(files(await analyze('cd && cat .profile'))).toEqual([read(`${HOME}/.profile`)]);
  });

  it('does not carry a cd out of a subshell or a pipeline', async () => {
    expect(files(await analyze('(cd /tmp) && cat a'))).toEqual([read(`${W}/a`)]);
    expect(files(await analyze('cd /tmp | true && cat a'))).toEqual([read(`${W}/a`)]);
  });

  it('resolves relative paths with .. lexically', async () => {
    expect(files(await analyze('cd ../.. && cat x/../y'))).toEqual([read('/home/y')]);
  });
});

describe('redirections', () => {
  it('turns > >> &> 2> >| into writes and < into reads; fd duplication and /dev/null are not files', async () => {
    const a = await analyze('cmd < in > out 2>> err &> all >| clobber 2>&1 >/dev/null');
    expect(files(a)).toEqual([
      read(`${W}/in`),
      write(`${W}/out`),
      write(`${W}/err`),
      write(`${W}/all`),
      write(`${W}/clobber`),
    ]);
  });

  it('resolves a redirection after cd against the new directory', async () => {
    expect(files(await analyze('cd /tmp && echo x > y'))).toEqual(expect.arrayContaining([write('/tmp/y')]));
  });

  it('a heredoc feeding a shell is read as that shell program, and still unresolved', async () => {
    const a = await analyze("bash <<'EOF'\nrm -rf /tmp/x\nEOF");
    expect(files(a)).toEqual(expect.arrayContaining([del('/tmp/x')]));
    expect(a.unresolved).toEqual([expect.stringMatching(/stdin/)]);
  });
});

describe('derived actions', () => {
  it('maps file commands to file actions', async () => {
    const cases: [string, object[]][] = [
      ['rm -f a b', [del(`${W}/a`), del(`${W}/b`)]],
      ['rmdir -p x/y', [del(`${W}/x/y`), del(`${W}/x`)]],
      ['unlink a', [del(`${W}/a`)]],
      ['shred -u k', [write(`${W}/k`), del(`${W}/k`)]],
      ['cp -t /srv a', [read(`${W}/a`), write('/srv/a')]],
      ['mv a /srv', [read(`${W}/a`), del(`${W}/a`), write('/srv'), write('/srv/a')]],
      // The link may be an existing directory: both readings of the relative target count.
      [
        'ln -s ../target link',
        [read(`${HOME}/target`), read(`${W}/target`), write(`${W}/link`), write(`${W}/link/target`)],
      ],
      ['tee -a log', [write(`${W}/log`)]],
      ['touch -r ref new', [read(`${W}/ref`), write(`${W}/new`)]],
      ['truncate -s 0 f', [write(`${W}/f`)]],
      [
        'install -m 755 tool /usr/local/bin/',
        [read(`${W}/tool`), write('/usr/local/bin'), write('/usr/local/bin/tool')],
      ],
      ['head -n 5 a', [read(`${W}/a`)]],
      ['grep -e pat -f pats a', [read(`${W}/pats`), read(`${W}/a`)]],
      ['sort -o out in', [write(`${W}/out`), read(`${W}/in`)]],
      ['diff a b', [read(`${W}/a`), read(`${W}/b`)]],
      ["sed -n 'w copy' src", [write(`${W}/copy`), read(`${W}/src`)]],
      ['tar cf out.tar src', [write(`${W}/out.tar`), read(`${W}/src`)]],
    ];
    for (const [command, expected] of cases) {
      expect(files(await analyze(command)), command).toEqual(expected);
    }
  });

  it('maps network commands to requests with host, port and method', async () => {
    const net = (host: string, port: number, method: string) =>
      expect.objectContaining({ kind: 'network_request', host, port, method });
    const cases: [string, object[]][] = [
      ['curl https://example.com/x', [net('example.com', 443, 'GET')]],
      ['curl -d a=1 example.com:8080/api', [net('example.com', 8080, 'POST')]],
      ['curl -I http://example.com', [net('example.com', 80, 'HEAD')]],
      ['wget -O out.html http://example.com/', [net('example.com', 80, 'GET'), write(`${W}/out.html`)]],
      ['ssh -p 2222 me@example.com', [net('example.com', 2222, 'SSH')]],
      ['scp notes.txt me@example.com:/tmp/', [read(`${W}/notes.txt`), net('example.com', 22, 'SSH')]],
      ['rsync -a src/ example.com::mod/', [read(`${W}/src`), net('example.com', 873, 'RSYNC')]],
      ['nc example.com 25', [net('example.com', 25, 'CONNECT')]],
      ['telnet example.com', [net('example.com', 23, 'CONNECT')]],
      ['git clone git@github.com:a/b.git', [net('github.com', 22, 'FETCH'), write(`${W}/b`)]],
      ['git push https://github.com/a/b main', [net('github.com', 443, 'PUSH')]],
      ['git ls-remote ssh://git@example.com:2200/r', [net('example.com', 2200, 'FETCH')]],
      ['pip install requests', [net('pypi.org', 443, 'GET'), net('files.pythonhosted.org', 443, 'GET')]],
      ['npm install --registry=https://npm.example.com/', [net('npm.example.com', 443, 'GET')]],
      ['curl file:///etc/passwd', [read('/etc/passwd')]],
      [
        'curl --unix-socket ~/.astrid/run/astridd.sock http://x/',
        [net('x', 80, 'GET'), write(`${ASTRID_HOME}/run/astridd.sock`)],
      ],
    ];
    for (const [command, expected] of cases) {
      expect(files(await analyze(command)), command).toEqual(expected);
    }
  });

  it('sends --resolve and proxy destinations through the host check too', async () => {
    const a = await analyze(
      'curl --resolve example.com:443:127.0.0.1 -x http://10.0.0.9:3128 https://example.com/',
    );
    const hosts = a.actions.flatMap((x) => (x.kind === 'network_request' ? [x.host] : []));
    expect(hosts).toEqual(expect.arrayContaining(['example.com', '127.0.0.1', '10.0.0.9']));
  });

  it('notes remotes whose address lives in .git/config', async () => {
    const a = await analyze('git fetch upstream');
    expect(a.hidden).toEqual([expect.stringMatching(/remote "upstream"/)]);
    expect((await analyze('git pull')).hidden).toEqual([expect.stringMatching(/default remote/)]);
  });
});
