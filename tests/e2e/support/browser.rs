//! A headless Chromium driven through its ChromeDriver (WebDriver, via fantoccini) for the browser
//! tests: started per test with its own profile, with the few verbs the scenarios use (go, click,
//! fill, read, wait for a page, take a screenshot). Without Debian's chromium and chromium-driver
//! the tests fail and say how to get them.

use super::TestApp;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

fn program(env: &str, default: &str) -> String {
    let path = std::env::var(env).unwrap_or_else(|_| default.to_owned());
    assert!(
        std::path::Path::new(&path).exists(),
        "the browser tests need {path} (set {env}, or install Debian's chromium and chromium-driver: .ci/run does)"
    );
    path
}

/// A headless Chromium with its own profile, driven by its own ChromeDriver.
pub(crate) struct Browser {
    pub(crate) client: Client,
    pub(crate) base: String,
    _driver: tokio::process::Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub(crate) async fn start(app: &TestApp) -> Browser {
        let chromium = program("SARABUN_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = program("SARABUN_CHROMEDRIVER", "/usr/bin/chromedriver");
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = tokio::process::Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        // The flags keep Chromium off the network (this machine has none) and out of the sandbox
        // that root cannot use.
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-extensions-except=",
                    "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                // Downloads (enclosures served as attachments) land in the profile, not in $HOME.
                "prefs": {"download.default_directory": profile.path().join("downloads").display().to_string()},
            },
        });
        let capabilities = capabilities.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Browser { client, base: app.base.clone(), _driver: driver, _profile: profile };
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("ChromeDriver did not start a session: {last:?}");
    }

    pub(crate) async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    pub(crate) async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits until the page's path starts with `prefix` (after a form post or a script's navigation).
    pub(crate) async fn wait_for_path(&self, prefix: &str) -> String {
        for _ in 0..200 {
            let path = self.path().await;
            if path.starts_with(prefix) && self.ready().await {
                return path;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the browser never reached {prefix}; it is at {}", self.path().await);
    }

    pub(crate) async fn ready(&self) -> bool {
        self.client.execute("return document.readyState", vec![]).await.ok() == Some(json!("complete"))
    }

    pub(crate) async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
    }

    pub(crate) async fn exists(&self, css: &str) -> bool {
        !self.client.find_all(Locator::Css(css)).await.unwrap().is_empty()
    }

    pub(crate) async fn find_all_count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.unwrap().len()
    }

    /// The text of the element `css`; found again when the page replaced it between finding and
    /// reading (a navigation or reload still settling on a loaded machine). Chromium says so as a
    /// stale element, or, when the replacement lands inside the read, as an inspector error that
    /// the node "does not belong to the document".
    pub(crate) async fn text(&self, css: &str) -> String {
        for _ in 0..40 {
            match self.find(css).await.text().await {
                Ok(text) => return text,
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference
                        || e.message.contains("does not belong to the document") =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                Err(e) => panic!("reading {css}: {e}"),
            }
        }
        panic!("{css} kept being replaced while it was read")
    }

    pub(crate) async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub(crate) async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Clicks after scrolling the element to the middle of the screen, as a thumb would on a phone
    /// (where the form's button stays at the bottom of the screen, over what is below it).
    pub(crate) async fn tap(&self, css: &str) {
        let element = self.find(css).await;
        self.client.execute("arguments[0].scrollIntoView({block: 'center'})", vec![json!(element)]).await.unwrap();
        element.click().await.unwrap();
    }

    pub(crate) async fn sign_in(&self, username: &str) {
        self.goto("/signin").await;
        self.fill("#username", username).await;
        self.fill("#password", sarabun::demo::DEMO_PASSWORD).await;
        self.click("#sign-in").await;
        for _ in 0..200 {
            if !self.path().await.starts_with("/signin") && self.ready().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{username} could not sign in: {}", self.text("main").await);
    }

    pub(crate) async fn sign_out(&self) {
        self.click("#sign-out").await;
        self.wait_for_path("/signin").await;
    }

    /// Saves what the browser shows as docs/screenshots/<name>.png, the whole page tall.
    pub(crate) async fn screenshot(&self, name: &str) {
        self.screenshot_at(name, 1280).await;
    }

    /// As [`Browser::screenshot`], `width` pixels wide (390 for a phone).
    pub(crate) async fn screenshot_at(&self, name: &str, width: u32) {
        // The window is the page's height plus the browser's own frame, so nothing is cut off.
        let script = "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);
                      return Math.min(document.documentElement.scrollHeight, 2400) + window.outerHeight - window.innerHeight";
        // The page's height depends on the width: set the width first, then measure.
        self.client.set_window_size(width, 900).await.unwrap();
        let height = self.client.execute(script, vec![]).await.unwrap().as_u64().unwrap_or(900);
        self.client.set_window_size(width, u32::try_from(height).unwrap_or(900).max(700)).await.unwrap();
        // Fonts and the PDF frame finish loading before the picture is taken (the PDF viewer draws
        // the page again after the window grew, which takes it a while at full page height).
        let _ = self
            .client
            .execute_async(
                "const wait = document.querySelector('iframe.pdf') ? 2000 : 300;
                 document.fonts.ready.then(() => setTimeout(arguments[0], wait))",
                vec![],
            )
            .await;
        let png = self.client.screenshot().await.unwrap();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
        self.client.set_window_size(1280, 900).await.unwrap();
    }

    pub(crate) async fn close(self) {
        self.client.close().await.unwrap();
    }
}
