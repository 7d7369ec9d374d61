//! A short description of a browser from its user agent, for the sessions list.

/// "Firefox on Windows" and the like, from a user agent; "Unknown browser" when there is none.
/// Only a guide: user agents are easily changed, so this is shown, never trusted.
pub fn browser(user_agent: Option<&str>) -> String {
    let Some(agent) = user_agent.map(str::trim).filter(|agent| !agent.is_empty()) else {
        return "Unknown browser".to_owned();
    };
    // Order matters: Edge and Opera also say Chrome, and Chrome also says Safari.
    let name = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("CriOS/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(marker, _)| agent.contains(marker))
    .map(|(_, name)| name);
    let system = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("CrOS", "ChromeOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(marker, _)| agent.contains(marker))
    .map(|(_, system)| system);
    match (name, system) {
        (Some(name), Some(system)) => format!("{name} on {system}"),
        (Some(name), None) => name.to_owned(),
        (None, Some(system)) => format!("A browser on {system}"),
        (None, None) => agent.chars().take(60).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_are_described_briefly() {
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";
        assert_eq!(browser(Some(firefox)), "Firefox on Windows");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0";
        assert_eq!(browser(Some(edge)), "Edge on Windows");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
        assert_eq!(browser(Some(safari)), "Safari on iPhone");
        assert_eq!(browser(None), "Unknown browser");
        assert_eq!(browser(Some("  ")), "Unknown browser");
        assert_eq!(browser(Some("curl/8.5.0")), "curl/8.5.0");
    }
}
