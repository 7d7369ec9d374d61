//! Two-factor secrets are stored encrypted with the server's key, never in clear, and signing in
//! with them works, as it does for secrets stored in clear by earlier versions.

use itf_planner::auth::UserId;
use itf_planner::auth::policy::Role;
use itf_planner::auth::totp::TotpSecret;

use crate::helpers::spawn_app;

async fn stored_secret(app: &crate::helpers::TestApp, user_id: UserId) -> Vec<u8> {
    sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The secret the authenticator app holds: the manual key, decoded.
fn plain_secret(stored: &[u8]) -> Vec<u8> {
    let typed = TotpSecret::from_bytes(stored.to_vec())
        .manual_key()
        .replace(' ', "");
    totp_rs::Secret::Encoded(typed).to_bytes().unwrap()
}

#[tokio::test]
async fn the_stored_totp_secret_is_encrypted_and_two_factor_sign_in_works() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, None, "NHS England").await;
    let stored = stored_secret(&app, admin.id).await;
    let plain = plain_secret(&stored);
    assert_eq!(plain.len(), 20);
    assert!(
        !stored.windows(plain.len()).any(|window| window == plain),
        "the column does not hold the secret"
    );
    assert_eq!(
        stored.len(),
        1 + 12 + 20 + 16,
        "version, nonce, ciphertext, tag"
    );

    app.sign_in(&admin).await;
    assert!(app.is_signed_in().await);

    // A wrong code is still refused.
    let other = app.another_browser();
    let response = other
        .post_form(
            "/sign-in",
            &[("email", &admin.email), ("password", &admin.password)],
        )
        .await;
    assert_eq!(response.status(), 303);
    let response = other
        .post_form("/sign-in/two-factor", &[("code", "000000")])
        .await;
    assert_ne!(response.status(), 303, "a wrong code signs nobody in");
}

#[tokio::test]
async fn a_secret_stored_in_clear_by_an_earlier_version_still_signs_in() {
    let app = spawn_app().await;
    let mut admin = app.create_user(Role::Admin, None, "NHS England").await;
    let plain = plain_secret(&stored_secret(&app, admin.id).await);
    sqlx::query("UPDATE users SET totp_secret = $2 WHERE id = $1")
        .bind(admin.id)
        .bind(&plain)
        .execute(&app.pool)
        .await
        .unwrap();
    admin.totp_secret = Some(plain);
    app.sign_in(&admin).await;
    assert!(app.is_signed_in().await);
}
