//! The browser harness of the web UI's end-to-end tests: a real headless Chromium driven
//! over WebDriver (Debian's `chromium` and `chromedriver`, through fantoccini), with
//! axe-core for accessibility checks.
//!
//! Each [`Browser`] starts its own `chromedriver` on a free loopback port, in a process group
//! of its own, and kills that group (chromedriver and every Chromium process under it) when
//! dropped, also when the test panics. At most [`MAX_BROWSERS`] run at once in the test
//! process (cargo runs tests in parallel; the machine has 2 cores).
//!
//! Every WebDriver call is bounded ([`COMMAND_TIMEOUT`]) so a hung browser fails its test
//! instead of hanging the run. The helpers panic with what they were doing and where the
//! browser was: tests read as a person's steps, without `unwrap`s.
//!
//! Needs: `/usr/bin/chromium`, `/usr/bin/chromedriver` and axe-core in
//! `target/browser-tools` (or at `TRACEHUB_AXE_JS`), all installed by `scripts/test.sh`.
//! When one is missing the browser tests fail saying so; they never skip.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fantoccini::cookies::Cookie;
use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::{Semaphore, SemaphorePermit};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Browsers running at once in this test process; the others wait for a slot.
pub const MAX_BROWSERS: usize = 2;
/// The longest any one WebDriver call may take before the test fails.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// Page loads and scripts (axe) inside the browser: shorter than [`COMMAND_TIMEOUT`], so the
/// browser reports them itself.
const PAGE_LOAD_TIMEOUT: Duration = Duration::from_secs(30);
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long chromedriver may take to answer after it starts.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long [`Browser::wait_for`] and the finding helpers look for an element.
pub const WAIT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(100);

/// The window's size. The page gets all its width, but headless Chromium still takes
/// its (invisible) toolbars off the height: the viewport, and so a screenshot, is 1280x757.
pub const WINDOW_WIDTH: u32 = 1280;
pub const WINDOW_HEIGHT: u32 = 900;

/// Chromium's flags. As root in a closed network it needs all of these: no sandbox (root),
/// no GPU, and none of its background traffic (refused connections stall it).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];

static BROWSER_SLOTS: Semaphore = Semaphore::const_new(MAX_BROWSERS);

const RUN_SCRIPT: &str =
    "run scripts/test.sh once: it installs Chromium, ChromeDriver and axe-core";

/// One headless Chromium with its own chromedriver, profile and window.
pub struct Browser {
    client: Client,
    /// Dropped after the client: ends chromedriver and Chromium, removes the profile.
    _driver: Driver,
    /// How long the start took (chromedriver up and the session open).
    pub started_in: Duration,
    /// Held for the browser's lifetime: one of the [`MAX_BROWSERS`] slots.
    _slot: SemaphorePermit<'static>,
}

/// One axe-core rule a page breaks.
#[derive(Debug, Clone, Deserialize)]
pub struct Violation {
    /// The rule, e.g. `image-alt`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: Option<String>,
    /// What the rule asks for, in a sentence.
    pub help: String,
    #[serde(rename = "helpUrl")]
    pub help_url: String,
    /// CSS selectors of the offending elements (`>>>` crosses into a frame or shadow root).
    pub targets: Vec<String>,
}

impl Violation {
    /// Serious or critical: what [`Browser::assert_accessible`] fails on.
    pub fn is_serious(&self) -> bool {
        matches!(self.impact.as_deref(), Some("serious" | "critical"))
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const SHOWN: usize = 3;
        write!(
            f,
            "[{}] {}: {} ({})",
            self.impact.as_deref().unwrap_or("?"),
            self.id,
            self.help,
            self.help_url
        )?;
        for target in self.targets.iter().take(SHOWN) {
            write!(f, "\n      at {target}")?;
        }
        if self.targets.len() > SHOWN {
            write!(f, "\n      and {} more", self.targets.len() - SHOWN)?;
        }
        Ok(())
    }
}

impl Browser {
    /// Starts chromedriver and a Chromium session (1280x900), after waiting for a free slot.
    pub async fn start() -> Self {
        check_installed();
        let slot = BROWSER_SLOTS
            .acquire()
            .await
            .expect("the browser semaphore is never closed");
        let started = Instant::now();

        // The port is free when asked; another process may take it before chromedriver
        // binds, so a start that fails is tried again on another port.
        let mut attempt = 0;
        let driver = loop {
            attempt += 1;
            let mut driver = Driver::spawn();
            match driver.wait_until_ready().await {
                Ok(()) => break driver,
                Err(e) if attempt < 3 => {
                    eprintln!(
                        "chromedriver on port {} did not start ({e}); trying again",
                        driver.port
                    );
                }
                Err(e) => panic!("chromedriver did not start: {e}"),
            }
        };

        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", driver.profile().display()));
        args.push(format!("--window-size={WINDOW_WIDTH},{WINDOW_HEIGHT}"));
        let capabilities = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {
                "pageLoad": PAGE_LOAD_TIMEOUT.as_millis() as u64,
                "script": SCRIPT_TIMEOUT.as_millis() as u64,
                "implicit": 0,
            },
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("capabilities are an object")
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let session = tokio::time::timeout(
            COMMAND_TIMEOUT,
            ClientBuilder::new(connector)
                .capabilities(capabilities)
                .connect(&format!("http://127.0.0.1:{}", driver.port)),
        )
        .await;
        let client = match session {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => panic!("Chromium did not start a WebDriver session: {e}"),
            Err(_) => panic!("Chromium did not start within {COMMAND_TIMEOUT:?}"),
        };
        Browser {
            client,
            _driver: driver,
            started_in: started.elapsed(),
            _slot: slot,
        }
    }

    /// The fantoccini client, for what the helpers don't cover (calls on it are unbounded:
    /// wrap them in [`COMMAND_TIMEOUT`] yourself).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `url`; a relative one (`/login`) resolves against the current page.
    pub async fn goto(&self, url: &str) {
        self.run(&format!("goto {url}"), self.client.goto(url))
            .await;
    }

    /// Clears the field at `css` and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        self.run(&format!("clear {css}"), field.clear()).await;
        self.run(&format!("type into {css}"), field.send_keys(text))
            .await;
    }

    /// Clicks the element at `css` (waiting up to [`WAIT`] for it to appear).
    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.run(&format!("click {css}"), element.click()).await;
    }

    /// Submits a form: `css` names the form itself (submitted as if by its default button,
    /// with the browser's validation) or a submit button (clicked). Then waits up to [`WAIT`]
    /// for the next page to load; if none comes (the browser's validation stopped the
    /// submission) it returns all the same, on the same page.
    pub async fn submit(&self, css: &str) {
        let element = self.find(css).await;
        let tag = self.run(&format!("tag of {css}"), element.tag_name()).await;
        self.run(
            "mark the page before submitting",
            self.client
                .execute("window.__tracehubBeforeSubmit = true; return null;", vec![]),
        )
        .await;
        if tag.eq_ignore_ascii_case("form") {
            let element = serde_json::to_value(&element).expect("an element as JSON");
            self.run(
                &format!("submit {css}"),
                self.client
                    .execute("arguments[0].requestSubmit(); return null;", vec![element]),
            )
            .await;
        } else {
            self.run(&format!("click {css}"), element.click()).await;
        }
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            let state = bounded(self.client.execute(
                "return [window.__tracehubBeforeSubmit === true, document.readyState];",
                vec![],
            ))
            .await;
            if let Ok(Value::Array(state)) = state {
                if state.first() == Some(&Value::Bool(false))
                    && state.get(1) == Some(&json!("complete"))
                {
                    return;
                }
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The visible text of the element at `css` (waiting up to [`WAIT`] for it to appear).
    pub async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        self.run(&format!("text of {css}"), element.text()).await
    }

    /// Whether an element matches `css` now (no waiting: for "is not there" checks too).
    pub async fn exists(&self, css: &str) -> bool {
        !self
            .run(
                &format!("look for {css}"),
                self.client.find_all(Locator::Css(css)),
            )
            .await
            .is_empty()
    }

    /// Waits up to [`WAIT`] for an element to match `css` (after a redirect or a form post).
    pub async fn wait_for(&self, css: &str) {
        self.find(css).await;
    }

    /// Waits up to [`WAIT`] for the current [`path`](Self::path) to be `expected`.
    pub async fn wait_for_path(&self, expected: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let path = self.path().await;
            if path == expected {
                return;
            }
            if Instant::now() >= deadline {
                panic!("browser: expected to be at {expected} within {WAIT:?}, still at {path}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    pub async fn current_url(&self) -> url::Url {
        self.run("read the current URL", self.client.current_url())
            .await
    }

    /// The path and query of the current URL: `/shipments?page=2`.
    pub async fn path(&self) -> String {
        let url = self.current_url().await;
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// The current document's HTML, as the browser has it now.
    pub async fn page_source(&self) -> String {
        self.run("read the page source", self.client.source()).await
    }

    /// The value of the current site's cookie `name` (HttpOnly ones too).
    pub async fn cookie(&self, name: &str) -> Option<String> {
        self.run("read the cookies", self.client.get_all_cookies())
            .await
            .into_iter()
            .find(|c| c.name() == name)
            .map(|c| c.value().to_string())
    }

    /// Sets a cookie for the current site (path `/`, SameSite=Lax): open a page of the site
    /// first.
    pub async fn set_cookie(&self, name: &str, value: &str) {
        let url = self.current_url().await;
        let mut cookie = Cookie::new(name.to_string(), value.to_string());
        cookie.set_path("/");
        // Named, as chromedriver refuses the `null` domain fantoccini sends for none; and a
        // SameSite of its own, as fantoccini's default `None` needs a secure cookie.
        if let Some(host) = url.host_str() {
            cookie.set_domain(host.to_string());
        }
        cookie.set_same_site(cookie::SameSite::Lax);
        self.run(
            &format!("set the cookie {name}"),
            self.client.add_cookie(cookie),
        )
        .await;
    }

    /// Deletes the current site's cookies.
    pub async fn delete_all_cookies(&self) {
        self.run("delete the cookies", self.client.delete_all_cookies())
            .await;
    }

    /// Resizes the window, e.g. to 375x812 for a phone's width.
    pub async fn set_window_size(&self, width: u32, height: u32) {
        self.run(
            &format!("resize the window to {width}x{height}"),
            self.client.set_window_size(width, height),
        )
        .await;
    }

    /// Saves the window as `target/screenshots/<name>.png` and returns that path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .run(&format!("screenshot {name}"), self.client.screenshot())
            .await;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("target/screenshots");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// Every axe-core violation of the current page, whatever its impact.
    pub async fn violations(&self) -> Vec<Violation> {
        let loaded = self
            .run(
                "load axe-core into the page",
                self.client.execute(axe_loader(), vec![]),
            )
            .await;
        assert_eq!(
            loaded,
            json!("object"),
            "axe-core did not load into the page"
        );
        let result = self
            .run(
                "run axe-core",
                self.client.execute_async(
                    "const done = arguments[arguments.length - 1];\
                     axe.run(document, { resultTypes: ['violations'] })\
                       .then(r => done({ violations: r.violations.map(v => ({\
                          id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,\
                          targets: v.nodes.map(n => n.target.flat().join(' >>> ')) })) }))\
                       .catch(e => done({ error: String((e && e.stack) || e) }));",
                    vec![],
                ),
            )
            .await;
        if let Some(error) = result.get("error") {
            panic!("axe-core failed on the page: {error}");
        }
        serde_json::from_value(result["violations"].clone())
            .unwrap_or_else(|e| panic!("axe-core's answer: {e}: {result}"))
    }

    /// Fails listing every serious or critical axe-core violation of the current page
    /// (saving a screenshot `a11y-<page_name>` first, to see them).
    pub async fn assert_accessible(&self, page_name: &str) {
        let serious: Vec<Violation> = self
            .violations()
            .await
            .into_iter()
            .filter(Violation::is_serious)
            .collect();
        if serious.is_empty() {
            return;
        }
        let url = self.current_url().await;
        let shot = self.screenshot(&format!("a11y-{page_name}")).await;
        let list: Vec<String> = serious.iter().map(|v| format!("  - {v}")).collect();
        panic!(
            "{page_name} ({url}) has {} serious accessibility violation(s):\n{}\nscreenshot: {}",
            serious.len(),
            list.join("\n"),
            shot.display()
        );
    }

    /// Ends the session properly, then the processes (dropping does the latter alone).
    pub async fn close(self) {
        let _ = bounded(self.client.clone().close()).await;
    }

    /// The element at `css`, waiting up to [`WAIT`] for it.
    async fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + WAIT;
        loop {
            match bounded(self.client.find(Locator::Css(css))).await {
                Ok(element) => return element,
                Err(e) if e.is_no_such_element() && Instant::now() < deadline => {
                    tokio::time::sleep(POLL).await;
                }
                Err(e) if e.is_no_such_element() => {
                    let url = bounded(self.client.current_url())
                        .await
                        .map(|u| u.to_string())
                        .unwrap_or_else(|e| format!("? ({e})"));
                    panic!("browser: no element matches {css} within {WAIT:?} at {url}");
                }
                Err(e) => panic!("browser: find {css}: {e}"),
            }
        }
    }

    /// Awaits one WebDriver call, bounded, panicking with `what` on failure.
    async fn run<T>(&self, what: &str, call: impl Future<Output = Result<T, CmdError>>) -> T {
        match bounded(call).await {
            Ok(value) => value,
            Err(e) => panic!("browser: {what}: {e}"),
        }
    }
}

/// Why a WebDriver call failed: the driver said so, or it did not answer in time.
#[derive(Debug)]
enum CallError {
    Driver(CmdError),
    Hung,
}

impl CallError {
    fn is_no_such_element(&self) -> bool {
        matches!(self, CallError::Driver(e) if e.is_no_such_element())
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Driver(e) => write!(f, "{e}"),
            CallError::Hung => write!(f, "no answer within {COMMAND_TIMEOUT:?}: the browser hangs"),
        }
    }
}

/// A WebDriver call that has not answered within [`COMMAND_TIMEOUT`] is an error.
async fn bounded<T>(call: impl Future<Output = Result<T, CmdError>>) -> Result<T, CallError> {
    match tokio::time::timeout(COMMAND_TIMEOUT, call).await {
        Ok(result) => result.map_err(CallError::Driver),
        Err(_) => Err(CallError::Hung),
    }
}

/// Panics, saying how to install them, when Chromium, ChromeDriver or axe-core is missing.
fn check_installed() {
    for program in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(program).exists(),
            "{program} is missing: {RUN_SCRIPT}"
        );
    }
    let axe = axe_path();
    assert!(
        axe.is_file(),
        "axe-core is missing at {}: {RUN_SCRIPT} (or point TRACEHUB_AXE_JS at axe.min.js)",
        axe.display()
    );
}

/// axe-core's browser build: `TRACEHUB_AXE_JS`, or where `scripts/test.sh` installs it.
pub fn axe_path() -> PathBuf {
    match std::env::var_os("TRACEHUB_AXE_JS") {
        Some(path) => PathBuf::from(path),
        None => target_dir().join("browser-tools/node_modules/axe-core/axe.min.js"),
    }
}

/// The script that defines `window.axe` in the page (once) and answers `typeof axe`.
fn axe_loader() -> &'static str {
    static LOADER: OnceLock<String> = OnceLock::new();
    LOADER.get_or_init(|| {
        let path = axe_path();
        let source = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read axe-core at {}: {e}: {RUN_SCRIPT}", path.display()));
        format!(
            "if (typeof window.axe === 'undefined') {{\n{source}\n}}\nreturn typeof window.axe;"
        )
    })
}

/// `target/`: the parent of `CARGO_TARGET_TMPDIR` (`target/tmp`).
fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    match tmp.parent() {
        Some(parent) => parent.to_path_buf(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
    }
}

pub fn screenshot_dir() -> PathBuf {
    target_dir().join("screenshots")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// One chromedriver on a free loopback port, leading a process group of its own (the
/// Chromium it starts joins it), with a folder of its own under `CARGO_TARGET_TMPDIR`: the
/// Chromium profile and chromedriver's log. Dropping it kills the whole group and removes
/// the folder, printing the log first when the test is failing.
struct Driver {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Driver {
    fn spawn() -> Self {
        use std::os::unix::process::CommandExt;
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("browsers")
            .join(uuid::Uuid::new_v4().to_string());
        std::fs::create_dir_all(dir.join("profile"))
            .expect("browser folder under CARGO_TARGET_TMPDIR");
        let log =
            std::fs::File::create(dir.join("chromedriver.log")).expect("chromedriver's log file");
        let log_err = log.try_clone().expect("chromedriver's log file");
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("start {CHROMEDRIVER}: {e}: {RUN_SCRIPT}"));
        Driver { child, port, dir }
    }

    fn profile(&self) -> PathBuf {
        self.dir.join("profile")
    }

    /// Polls chromedriver's `/status` until it says it is ready.
    async fn wait_until_ready(&mut self) -> Result<(), String> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("an HTTP client");
        let status_url = format!("http://127.0.0.1:{}/status", self.port);
        let deadline = Instant::now() + DRIVER_START_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("it exited ({status})"));
            }
            if let Ok(answer) = client.get(&status_url).send().await {
                if let Ok(status) = answer.json::<Value>().await {
                    if status["value"]["ready"] == json!(true) {
                        return Ok(());
                    }
                }
            }
            if Instant::now() >= deadline {
                return Err(format!("no answer within {DRIVER_START_TIMEOUT:?}"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        use nix::sys::signal::killpg;
        use nix::unistd::Pid;
        // The group's id is chromedriver's pid; SIGKILL, as a hung browser ignores politer.
        let group = Pid::from_raw(self.child.id() as i32);
        let _ = killpg(group, nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Chromium's processes are not ours to reap: wait (briefly) until they are gone, so
        // none still writes into the profile as it is removed.
        let deadline = Instant::now() + Duration::from_secs(2);
        while killpg(group, None).is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.dir.join("chromedriver.log"))
                .unwrap_or_else(|e| format!("(unreadable: {e})"));
            let lines: Vec<&str> = log.lines().collect();
            let tail = lines[lines.len().saturating_sub(40)..].join("\n");
            eprintln!("chromedriver's log (port {}):\n{tail}", self.port);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
