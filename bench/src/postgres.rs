//! Baseline 2: what an agency would otherwise build, PostgreSQL with pgcrypto doing the vault's
//! job. The benchmark starts a real server from the machine's PostgreSQL (Debian's packages;
//! as the `postgres` user when run as root, since initdb refuses root) on a loopback port in
//! its scratch directory, and has `psql` clients write the benchmark's records for a fixed
//! time per batch size: each record encrypted by the server (`pgp_sym_encrypt`, AES-256, an
//! authenticated OpenPGP packet), each name and identifier as an HMAC-SHA256 token in a
//! blind-index table with a B-tree index, and one audit row per transaction listing its
//! records, with `synchronous_commit = on` and `fsync = on` (acknowledged = durable, as the
//! vault). The best batch size is the baseline.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::BenchConfig;

/// What the PostgreSQL baseline measured.
#[derive(Clone, Debug, Default)]
pub struct PostgresBaseline {
    /// The server's version line.
    pub version: String,
    /// Concurrent clients.
    pub clients: usize,
    /// Seconds each batch size ran.
    pub seconds: f64,
    /// Records per transaction, and the durable records/s it reached.
    pub by_batch: Vec<(usize, f64)>,
}

impl PostgresBaseline {
    /// The best batch size and its rate.
    pub fn best(&self) -> Option<(usize, f64)> {
        self.by_batch
            .iter()
            .copied()
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// The directory of PostgreSQL's server programs: the newest under `/usr/lib/postgresql`, or
/// wherever `initdb` is on the PATH.
fn bin_dir() -> Result<PathBuf, String> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path().join("bin"))
                .filter(|bin| bin.join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    versions.sort_by_key(|bin| {
        bin.parent()
            .and_then(|version| version.file_name())
            .and_then(|name| name.to_str())
            .and_then(|name| name.parse::<u32>().ok())
            .unwrap_or(0)
    });
    if let Some(newest) = versions.pop() {
        return Ok(newest);
    }
    std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path).find(|dir| dir.join("initdb").exists())
        })
        .ok_or_else(|| {
            "PostgreSQL is not installed (Debian: apt-get install postgresql; scripts/setup does it)".into()
        })
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A server program, run as `postgres` when we are root.
fn server_command(bin: &Path, program: &str, as_postgres: bool) -> Command {
    if as_postgres {
        let mut command = Command::new("runuser");
        command
            .args(["-u", "postgres", "--"])
            .arg(bin.join(program));
        command
    } else {
        Command::new(bin.join(program))
    }
}

fn checked(command: &mut Command, what: &str) -> Result<String, String> {
    let output = command
        .output()
        .map_err(|err| format!("{what}: cannot run it: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A running server, stopped when dropped.
struct Server {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = server_command(&self.bin, "pg_ctl", self.as_postgres)
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

impl Server {
    fn psql(&self) -> Command {
        let mut command = Command::new(self.bin.join("psql"));
        command.args([
            "-X",
            "-q",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
        ]);
        command.arg("-p").arg(self.port.to_string());
        command
    }

    fn sql(&self, sql: &str) -> Result<String, String> {
        checked(self.psql().args(["-At", "-c", sql]), "psql")
    }
}

fn start(dir: &Path) -> Result<Server, String> {
    let bin = bin_dir()?;
    let as_postgres = running_as_root();
    std::fs::create_dir_all(dir).map_err(|err| err.to_string())?;
    let data = dir.join("data");
    if as_postgres {
        checked(
            Command::new("chown").arg("postgres").arg(dir),
            "chown the PostgreSQL directory",
        )?;
    }
    checked(
        server_command(&bin, "initdb", as_postgres)
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]),
        "initdb",
    )?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|err| err.to_string())?
        .port();
    // Durable commits, as the vault's; memory for a small machine; sockets in the scratch
    // directory only.
    let options = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=on -c synchronous_commit=on -c shared_buffers=512MB -c max_wal_size=4GB",
        dir.display()
    );
    checked(
        server_command(&bin, "pg_ctl", as_postgres)
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-o", &options, "start"]),
        "pg_ctl start",
    )?;
    Ok(Server {
        bin,
        data,
        port,
        as_postgres,
    })
}

/// SQL text literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// One transaction writing records `numbers`: the records encrypted, their tokens, the audit
/// row.
fn transaction(config: &BenchConfig, numbers: &[u64]) -> String {
    let mut records = Vec::with_capacity(numbers.len());
    let mut tokens = Vec::with_capacity(numbers.len() * 10);
    for &n in numbers {
        let record = super::record(n, config);
        // What it encrypts: the record in the import format, as the vault is given it.
        let json = model::import::stored_value(&record).to_string();
        records.push(format!(
            "({n},pgp_sym_encrypt({},'bench-data-key','cipher-algo=aes256, compress-algo=0, s2k-mode=1'))",
            literal(&json)
        ));
        for (kind, form) in vault::indexed_forms(&record) {
            tokens.push(format!(
                "(hmac({},'bench-index-key','sha256'),{n})",
                literal(&format!("{kind}:{form}"))
            ));
        }
    }
    let ids: Vec<String> = numbers.iter().map(u64::to_string).collect();
    format!(
        "BEGIN;\nINSERT INTO records(id,sealed) VALUES {};\nINSERT INTO blind_index(token,record_id) VALUES {};\nINSERT INTO audit(actor,action,record_ids) VALUES ('bench','ingest','{{{}}}');\nCOMMIT;\n",
        records.join(","),
        tokens.join(","),
        ids.join(",")
    )
}

/// Runs the baseline in `dir` (made and removed by the caller's run): `clients` clients for
/// `seconds` at each batch size.
pub fn run(
    config: &BenchConfig,
    dir: &Path,
    clients: usize,
    seconds: f64,
    batch_sizes: &[usize],
    progress: &dyn Fn(&str),
) -> Result<PostgresBaseline, String> {
    let server = start(dir)?;
    let version = server.sql("SELECT version()")?.trim().to_owned();
    server.sql(
        "CREATE EXTENSION pgcrypto;
         CREATE TABLE records (id bigint PRIMARY KEY, sealed bytea NOT NULL);
         CREATE TABLE blind_index (token bytea NOT NULL, record_id bigint NOT NULL);
         CREATE INDEX blind_index_token ON blind_index (token);
         CREATE TABLE audit (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), actor text NOT NULL, action text NOT NULL, record_ids bigint[] NOT NULL);",
    )?;
    let mut result = PostgresBaseline {
        version,
        clients,
        seconds,
        by_batch: Vec::new(),
    };
    for &batch in batch_sizes {
        progress(&format!(
            "baseline: PostgreSQL + pgcrypto, {clients} clients, {batch} records per transaction, {seconds} s"
        ));
        server.sql("TRUNCATE records, blind_index, audit")?;
        let rate = timed_run(&server, config, clients, seconds, batch)?;
        result.by_batch.push((batch, rate));
    }
    Ok(result)
}

/// `clients` psql processes fed transactions of `batch` records until the time is up, then
/// killed: what they committed counts.
fn timed_run(
    server: &Server,
    config: &BenchConfig,
    clients: usize,
    seconds: f64,
    batch: usize,
) -> Result<f64, String> {
    let mut children: Vec<Child> = (0..clients)
        .map(|_| {
            server
                .psql()
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|err| format!("psql: {err}"))
        })
        .collect::<Result<_, _>>()?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    std::thread::scope(|scope| {
        for (client, child) in children.iter_mut().enumerate() {
            let Some(mut stdin) = child.stdin.take() else {
                continue;
            };
            scope.spawn(move || {
                let mut next = client as u64;
                while Instant::now() < deadline {
                    let numbers: Vec<u64> = (0..batch as u64)
                        .map(|offset| next + offset * clients as u64)
                        .collect();
                    next += batch as u64 * clients as u64;
                    if stdin
                        .write_all(transaction(config, &numbers).as_bytes())
                        .is_err()
                    {
                        break;
                    }
                }
                // Dropping stdin here would let psql run what is queued past the time.
            });
        }
    });
    for child in &mut children {
        let _ = child.kill();
        let _ = child.wait();
    }
    let spent = started.elapsed().as_secs_f64();
    let committed: f64 = server
        .sql("SELECT count(*) FROM records")?
        .trim()
        .parse()
        .map_err(|_| "counting the committed records failed".to_owned())?;
    Ok(committed / spent)
}
