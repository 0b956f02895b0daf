//! The dashboard's page at `/ui/` for `flatapex serve --doh` (docs/ARCHITECTURE.md, "The
//! dashboard"). The files are `ui/dist`, built by `scripts/build-ui` and committed, embedded at
//! compile time so the binary needs nothing beside it. The Worker serves the same directory as
//! static assets; both send the security headers of `ui/dist/_headers` (Cloudflare's format),
//! which this module reads, so they are written once.

use crate::doh::HttpResponse;
use crate::kv::layout::fnv1a;

/// The embedded files: the path served, the content type, the bytes.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "/ui/",
        "text/html; charset=utf-8",
        include_bytes!("../../../ui/dist/ui/index.html"),
    ),
    (
        "/ui/app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../ui/dist/ui/app.js"),
    ),
    (
        "/ui/style.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../ui/dist/ui/style.css"),
    ),
];

/// The headers file the Worker's static assets also apply.
const HEADERS_FILE: &str = include_str!("../../../ui/dist/_headers");

/// Whether `path` is the dashboard's.
pub fn is_dashboard_path(path: &str) -> bool {
    path == "/ui" || path.starts_with("/ui/")
}

/// The `Name: value` lines of the headers file (its indented lines, under the `/ui/*` rule).
fn security_headers() -> impl Iterator<Item = (&'static str, String)> {
    HEADERS_FILE
        .lines()
        .filter(|line| line.starts_with(char::is_whitespace))
        .filter_map(|line| line.trim().split_once(':'))
        .map(|(name, value)| (name.trim(), value.trim().to_string()))
}

fn plain(status: u16, text: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![
            ("content-type", "text/plain; charset=utf-8".into()),
            ("cache-control", "no-store".into()),
        ],
        body: text.as_bytes().to_vec(),
    }
}

fn redirect(status: u16, to: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![
            ("location", to.into()),
            ("cache-control", "no-store".into()),
        ],
        body: Vec::new(),
    }
}

/// The answer to `method path`, with `if_none_match` from the request: the file with an ETag
/// (304 when it matches), a redirect to `/ui/` as the Worker's assets do, 404 or 405.
pub fn dashboard_response(method: &str, path: &str, if_none_match: Option<&str>) -> HttpResponse {
    if path == "/ui" {
        return redirect(308, "/ui/");
    }
    if path == "/ui/index.html" {
        return redirect(307, "/ui/");
    }
    let Some((_, content_type, bytes)) = FILES.iter().find(|(p, ..)| *p == path) else {
        return plain(
            404,
            &format!("no dashboard file {path}; the page is at /ui/"),
        );
    };
    if method != "GET" && method != "HEAD" {
        let mut refused = plain(405, &format!("{method} is not allowed here; use GET"));
        refused.headers.push(("allow", "GET, HEAD".into()));
        return refused;
    }
    let etag = format!("\"{:016x}\"", fnv1a(0xcbf2_9ce4_8422_2325, bytes));
    let mut headers = vec![
        ("content-type", (*content_type).to_string()),
        ("cache-control", "no-cache".to_string()),
        ("etag", etag.clone()),
    ];
    headers.extend(security_headers());
    let unchanged = if_none_match.is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));
    let body = if unchanged || method == "HEAD" {
        Vec::new()
    } else {
        bytes.to_vec()
    };
    HttpResponse {
        status: if unchanged { 304 } else { 200 },
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_its_script_and_redirects() {
        let page = dashboard_response("GET", "/ui/", None);
        assert_eq!(page.status, 200);
        assert!(String::from_utf8_lossy(&page.body).contains("app.js"));
        let csp = page.header("content-security-policy").unwrap();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
        let script = dashboard_response("GET", "/ui/app.js", None);
        assert_eq!(
            script.header("content-type"),
            Some("text/javascript; charset=utf-8")
        );
        let etag = script.header("etag").unwrap().to_string();
        let again = dashboard_response("GET", "/ui/app.js", Some(&etag));
        assert_eq!((again.status, again.body.len()), (304, 0));
        assert_eq!(
            dashboard_response("GET", "/ui", None).header("location"),
            Some("/ui/")
        );
        assert_eq!(dashboard_response("GET", "/ui/nope.js", None).status, 404);
        assert_eq!(dashboard_response("POST", "/ui/", None).status, 405);
    }
}
