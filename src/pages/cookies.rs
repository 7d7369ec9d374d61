//! The cookies the service sets, as the cookies page lists them. Names come from `auth::session`,
//! which sets them (with `Secure` cookies they carry the `__Host-` prefix), and lifetimes from
//! the constants that decide them.

use super::duration_words;
use crate::auth::session;
use crate::config::Config;

/// One cookie as the page describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cookie {
    pub name: &'static str,
    pub purpose: &'static str,
    pub expires: String,
}

/// Every cookie the service sets, in the order people meet them.
pub fn cookies(config: &Config) -> Vec<Cookie> {
    vec![
        Cookie {
            name: session::anonymous_csrf_cookie_name(config),
            purpose: "Protects the forms you use before signing in (signing in, a forgotten \
                      password, accepting an invitation) against being sent from another website",
            expires: "When you close your browser".to_owned(),
        },
        Cookie {
            name: session::cookie_name(config),
            purpose: "Keeps you signed in, and protects the forms you send while signed in",
            expires: format!(
                "When you close your browser or sign out; the service ends the session after {} \
                 without activity, or {} after you signed in",
                duration_words(session::IDLE_TIMEOUT),
                duration_words(session::ABSOLUTE_TIMEOUT)
            ),
        },
        Cookie {
            name: session::device_cookie_name(config),
            purpose: "Remembers that you have fully signed in from this browser, so that if \
                      someone else makes too many wrong guesses at your password, you can still \
                      sign in here",
            expires: format!(
                "{}, or sooner if you stop trusting the browser from your account page or \
                 change your password",
                duration_words(session::TRUSTED_DEVICE_LIFETIME)
            ),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::cookies;
    use crate::config::Config;

    fn config(secure: bool) -> Config {
        Config::from_lookup(|name| (name == "ITF_SECURE_COOKIES").then(|| secure.to_string()))
            .expect("valid settings")
    }

    #[test]
    fn the_page_lists_the_cookies_the_service_sets_by_their_real_names() {
        let names: Vec<_> = cookies(&config(false))
            .into_iter()
            .map(|cookie| cookie.name)
            .collect();
        assert_eq!(names, ["itf_csrf", "itf_session", "itf_device"]);
        let names: Vec<_> = cookies(&config(true))
            .into_iter()
            .map(|cookie| cookie.name)
            .collect();
        assert_eq!(
            names,
            ["__Host-itf_csrf", "__Host-itf_session", "__Host-itf_device"]
        );
    }

    #[test]
    fn lifetimes_come_from_the_timeouts_in_force() {
        let listed = cookies(&config(false));
        assert!(listed[1].expires.contains("30 minutes"), "{:?}", listed[1]);
        assert!(listed[1].expires.contains("12 hours"), "{:?}", listed[1]);
        assert!(listed[2].expires.starts_with("30 days"), "{:?}", listed[2]);
    }
}
