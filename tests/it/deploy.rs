//! What the compose file and the Dockerfile promise, read from the files
//! themselves (no container runtime can fetch images on the machines that
//! run these tests): every app instance behind the same public address,
//! trusting the proxy, restarted and health-checked; images pinned; the
//! image listening on every interface; the dependencies cached apart.

use serde_yaml_ng::Value;

fn file(name: &str) -> String {
    std::fs::read_to_string(format!("{}/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The compose file with its `<<` merges applied, as compose reads it.
fn compose() -> Value {
    let mut v: Value = serde_yaml_ng::from_str(&file("docker-compose.yml")).unwrap();
    v.apply_merge().unwrap();
    v
}

#[test]
fn every_app_instance_has_one_public_url_trusts_the_proxy_restarts_and_is_health_checked() {
    let c = compose();
    let services = c["services"].as_mapping().unwrap();
    let apps: Vec<(&str, &Value)> = services
        .iter()
        .filter(|(_, s)| s.get("build").is_some())
        .map(|(k, s)| (k.as_str().unwrap(), s))
        .collect();
    assert!(
        apps.len() >= 2,
        "the scale profile runs two instances: {apps:?}"
    );
    let mut urls = Vec::new();
    for (name, s) in &apps {
        let env = &s["environment"];
        assert_eq!(
            env["TRUST_PROXY_HEADERS"].as_str(),
            Some("true"),
            "{name} trusts the proxy"
        );
        assert_eq!(env["BIND_ADDR"].as_str(), Some("0.0.0.0:8080"), "{name}");
        let key = env["SESSION_KEY"].as_str().unwrap_or_default();
        assert!(
            key.starts_with("${SESSION_KEY"),
            "{name}: the key comes from .env, one for all"
        );
        urls.push(env["PUBLIC_URL"].as_str().unwrap_or_default().to_string());
        let restart = s["restart"].as_str().unwrap_or("no");
        assert!(
            ["always", "unless-stopped", "on-failure"].contains(&restart),
            "{name}: restart {restart}"
        );
        assert!(
            s["healthcheck"]["test"].as_sequence().is_some(),
            "{name}: a health check"
        );
        // Published on this machine only: the public comes through a proxy,
        // so a forged X-Forwarded-For cannot reach an instance that trusts it.
        for port in s
            .get("ports")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            assert!(
                port.as_str().unwrap().starts_with("127.0.0.1:"),
                "{name}: {port:?}"
            );
        }
    }
    urls.dedup();
    assert_eq!(
        urls.len(),
        1,
        "one public address for every instance: {urls:?}"
    );
    assert!(!urls[0].is_empty());
    // Every other service restarts too, and every image names its version.
    for (name, s) in services {
        let name = name.as_str().unwrap();
        assert!(s["restart"].as_str().is_some(), "{name}: a restart policy");
        if let Some(image) = s["image"].as_str() {
            let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
            assert!(
                !tag.is_empty() && tag != "latest",
                "{name}: {image} is pinned"
            );
        }
    }
    // The proxy names the client itself rather than passing on what it sent.
    let nginx = file("deploy/nginx.conf");
    assert!(nginx.contains("proxy_set_header X-Forwarded-For $remote_addr;"));
    assert!(!nginx.contains("$proxy_add_x_forwarded_for"));
}

#[test]
fn the_image_listens_on_every_interface_and_builds_its_dependencies_on_their_own_layer() {
    let d = file("Dockerfile");
    assert!(
        d.contains("BIND_ADDR=0.0.0.0:8080"),
        "docker run -p 8080:8080 reaches it"
    );
    let manifest = d
        .find("COPY Cargo.toml Cargo.lock")
        .expect("the manifest copied first");
    let first_build = d.find("cargo build").unwrap();
    let sources = d.find("COPY src").expect("the sources copied after");
    assert!(
        manifest < first_build && first_build < sources,
        "dependencies cached apart"
    );
    assert!(!d.contains("COPY . ."), "not everything before the build");
    for dir in ["migrations", "templates", "locales", "static"] {
        assert!(
            d.contains(&format!("COPY {dir} {dir}")),
            "{dir} is compiled in"
        );
    }
}
