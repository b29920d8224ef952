<?php
// geoha cluster harness: the ground truth about writers, from the host.
//
// Every PROBE_MS it offers the same numbered row to every node's MariaDB
// (Drupal's account, so read_only applies) and notes which accepted it: a
// row accepted by two servers is a write that two writers took (strict S1,
// the way issue 11 measured the incumbent). Every SAMPLE_MS it also asks
// each server for read_only, its GTID state and its replication threads
// (administrative account), and reads the first line of each node's Drupal
// include (which writer it points at, or fail-closed).
//
// Servers are reached through their Unix socket inside the node's mount
// namespace, /proc/PID/root/run/mysqld/mysqld.sock, PID being the node's
// mariadbd as the harness last wrote it into the node's pid file: the
// view does not depend on the network faults the scenario injects.
//
// usage: php sampler.php CONFIG.json
// CONFIG: {"out": FILE, "probe_ms": 50, "sample_ms": 100,
//          "probe_base": N, "admin": [user, password],
//          "app": [user, password],
//          "nodes": {"ci": {"pidfile": F, "include": F}, ...}}
//   (backend=azure: each node also has "socket": the flexible server's
//   socket on the host)
// Output, one JSON line per tick:
//   {"t": wall, "k": probe id, "acc": [nodes that accepted it],
//    "s": {"ci": {"up":1,"ro":1,"gs":"0-1-5","gp":"0-1-5","io":"Yes",
//                 "sql":"Yes","ioe":0,"sqle":0,"iopos":"0-1-5","src":"10.99.0.1"},
//          ...},                          (only on sample ticks)
//    "inc": {"ci": "active writer=ci replica=", "si": "fail-closed"}}

ini_set('mysqlnd.net_read_timeout', '1');
ini_set('default_socket_timeout', '1');
$cfg = json_decode(file_get_contents($argv[1]), true);
$out = fopen($cfg['out'], 'a');
$probe_us = ($cfg['probe_ms'] ?? 50) * 1000;
$sample_every = max(1, intdiv($cfg['sample_ms'] ?? 100,
                              $cfg['probe_ms'] ?? 50));
$k = (int)($cfg['probe_base'] ?? 0);
$conn = [];   // node => ['pid' => , 'app' => PDO, 'admin' => PDO]

function sock_of(array $n): ?string
{
    if (isset($n['socket'])) {
        // a flexible server of the mock Azure (backend=azure)
        return file_exists($n['socket']) ? $n['socket'] : null;
    }
    $pid = trim((string)@file_get_contents($n['pidfile']));
    if ($pid === '' || !ctype_digit($pid)) {
        return null;
    }
    return "/proc/$pid/root/run/mysqld/mysqld.sock";
}

function connect(string $sock, array $acct): PDO
{
    return new PDO("mysql:unix_socket=$sock;dbname=drupal", $acct[0],
                   $acct[1], [PDO::ATTR_TIMEOUT => 1,
                              PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
}

function conns(array &$conn, string $node, array $n, array $cfg): ?array
{
    $sock = sock_of($n);
    if ($sock === null) {
        unset($conn[$node]);
        return null;
    }
    if (isset($conn[$node]) && $conn[$node]['sock'] === $sock) {
        return $conn[$node];
    }
    try {
        $conn[$node] = ['sock' => $sock,
                        'app' => connect($sock, $cfg['app']),
                        'admin' => connect($sock, $cfg['admin'])];
        return $conn[$node];
    } catch (Throwable $e) {
        unset($conn[$node]);
        return null;
    }
}

function include_state(string $path): string
{
    $f = @fopen($path, 'r');
    if ($f === false) {
        return 'missing';
    }
    $head = fread($f, 512);
    fclose($f);
    if (preg_match('/geoha-state: ([^\n]*)/', $head, $m)) {
        return trim($m[1]);
    }
    return 'unknown';
}

$tick = 0;
$next = microtime(true);
for (;;) {
    $t = microtime(true);
    $k++;
    $acc = [];
    $rec = ['t' => $t, 'k' => $k];
    $sample = ($tick % $sample_every) == 0;
    $s = [];
    foreach ($cfg['nodes'] as $node => $n) {
        $c = conns($conn, $node, $n, $cfg);
        if ($c === null) {
            if ($sample) {
                $s[$node] = ['up' => 0];
            }
            continue;
        }
        try {
            $c['app']->exec("INSERT INTO probe (id, ts) VALUES ($k, $t)");
            $acc[] = $node;
        } catch (Throwable $e) {
            // 1290 read-only: expected on every server but the writer
            // (1062: the row came by replication first). Anything else is
            // a lost connection: reconnect on the next tick.
            $errno = $e instanceof PDOException ? ($e->errorInfo[1] ?? 0)
                                                : 0;
            if ($errno != 1290 && $errno != 1062) {
                unset($conn[$node]);
                if ($sample) {
                    $s[$node] = ['up' => 0];
                }
                continue;
            }
        }
        if (!$sample) {
            continue;
        }
        try {
            $r = $c['admin']->query('SELECT @@read_only, ' .
                                    '@@gtid_binlog_state, @@gtid_current_pos')
                ->fetch(PDO::FETCH_NUM);
            $v = ['up' => 1, 'ro' => (int)$r[0], 'gs' => $r[1],
                  'gp' => $r[2]];
            $rs = $c['admin']->query('SHOW SLAVE STATUS')
                ->fetch(PDO::FETCH_ASSOC);
            if ($rs) {
                $v += ['io' => $rs['Slave_IO_Running'],
                       'sql' => $rs['Slave_SQL_Running'],
                       'ioe' => (int)$rs['Last_IO_Errno'],
                       'sqle' => (int)$rs['Last_SQL_Errno'],
                       'iopos' => $rs['Gtid_IO_Pos'],
                       'src' => $rs['Master_Host']];
            }
            $s[$node] = $v;
        } catch (Throwable $e) {
            unset($conn[$node]);
            $s[$node] = ['up' => 0];
        }
    }
    $rec['acc'] = $acc;
    if ($sample) {
        $rec['s'] = $s;
        $inc = [];
        foreach ($cfg['nodes'] as $node => $n) {
            $inc[$node] = include_state($n['include']);
        }
        $rec['inc'] = $inc;
    }
    fwrite($out, json_encode($rec) . "\n");
    fflush($out);
    $tick++;
    $next += $probe_us / 1e6;
    $d = $next - microtime(true);
    if ($d < 0) {
        $next = microtime(true);
    } else {
        usleep((int)($d * 1e6));
    }
}
