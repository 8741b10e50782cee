//! Templates (handlebars, compiled into the binary, strict mode), their
//! helpers and the static assets (the error pages are `routes::errors`).
//!
//! A page template is the content of `<main>`; `Views::render` puts it into
//! the layout. Partials are called with a context of their own: a path
//! (`{{> partials/pagination pagination}}`) or, when they take hash
//! parameters, a literal `0` (`{{> partials/field 0 name="title" f=f.title}}`).
//! Called without one, handlebars copies the whole page's data into the call.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderErrorReason,
};
use rust_embed::RustEmbed;
use serde_json::Value;

use crate::domain::format;
use crate::i18n::{self, Locale};

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Templates;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

pub struct Views {
    hb: Handlebars<'static>,
    /// Plain-text mail bodies: the same helpers, no HTML escaping.
    text: Handlebars<'static>,
}

impl Views {
    pub fn new() -> anyhow::Result<Views> {
        let mut hb = Handlebars::new();
        let mut text = Handlebars::new();
        text.register_escape_fn(handlebars::no_escape);
        for reg in [&mut hb, &mut text] {
            reg.set_strict_mode(true);
            reg.register_helper("t", Box::new(t_helper));
            reg.register_helper("options", Box::new(options_helper));
            for f in FORMATTERS {
                reg.register_helper(f.name, Box::new(f));
            }
        }
        for name in Templates::iter() {
            let Some(stem) = name.strip_suffix(".hbs") else {
                continue;
            };
            let file =
                Templates::get(&name).ok_or_else(|| anyhow::anyhow!("template {name} vanished"))?;
            let source = std::str::from_utf8(&file.data)?;
            let target = if stem.ends_with(".txt") {
                &mut text
            } else {
                &mut hb
            };
            target
                .register_template_string(stem, source)
                .map_err(|e| anyhow::anyhow!("template {name}: {e}"))?;
        }
        Ok(Views { hb, text })
    }

    /// Renders a page: its template (the content of `<main>`) into `body`,
    /// then the layout around it, both from one context that owns the data.
    /// (A layout used as a partial block, `{{#> layout}}`, would copy the whole
    /// page's data into each partial call.)
    pub fn render(&self, name: &str, data: Value) -> Result<String, handlebars::RenderError> {
        let mut ctx = Context::from(data);
        let body = self.hb.render_with_context(name, &ctx)?;
        match ctx.data_mut() {
            Value::Object(root) => {
                root.insert("body".into(), Value::String(body));
            }
            _ => return Err(RenderErrorReason::InvalidParamType("page data").into()),
        }
        self.hb.render_with_context("layout", &ctx)
    }

    /// Renders a template without the layout: a whole document by itself (the
    /// error page) or a fragment kept for reuse (a round's results tables).
    pub fn render_document(
        &self,
        name: &str,
        data: Value,
    ) -> Result<String, handlebars::RenderError> {
        self.hb.render_with_context(name, &Context::from(data))
    }

    /// Renders `{name}.txt` and `{name}.html`, the two bodies of a mail.
    pub fn render_mail(
        &self,
        name: &str,
        data: &Value,
    ) -> Result<(String, String), handlebars::RenderError> {
        Ok((
            self.text.render(&format!("{name}.txt"), data)?,
            self.hb.render(&format!("{name}.html"), data)?,
        ))
    }
}

fn root_locale(ctx: &Context) -> Locale {
    Locale::or_default(ctx.data().get("lang").and_then(Value::as_str))
}

fn param_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `{{t "key"}}`, `{{t "unit-kind-" kind}}` (parameters are joined into the key)
/// and `{{t "key" count=n}}` (hash entries become Fluent arguments).
fn t_helper(
    h: &Helper,
    _: &Handlebars,
    ctx: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    if h.params().is_empty() {
        return Err(RenderErrorReason::ParamNotFoundForIndex("t", 0).into());
    }
    let key: String = h.params().iter().map(|p| param_text(p.value())).collect();
    let locale = root_locale(ctx);
    let text = if h.hash().is_empty() {
        i18n::t(locale, &key)
    } else {
        let args: Vec<(&str, String)> = h
            .hash()
            .iter()
            .map(|(k, v)| (*k, param_text(v.value())))
            .collect();
        i18n::t_args(locale, &key, &args)
    };
    out.write(&handlebars::html_escape(&text))?;
    Ok(())
}

/// `{{options list}}`: the `<option>`s of a select from a list of
/// `{value, label, selected}` (`routes::options`), written in one go; a unit
/// picker of a province has hundreds, which as `{{#each}}` cost a helper call
/// and three lookups apiece.
fn options_helper(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let list = first_param(h, "options")?
        .as_array()
        .ok_or(RenderErrorReason::InvalidParamType("a list of options"))?;
    let mut html = String::with_capacity(list.len() * 48);
    for item in list {
        let text = |key: &str| item.get(key).map(param_text).unwrap_or_default();
        html.push_str("<option value=\"");
        html.push_str(&handlebars::html_escape(&text("value")));
        html.push('"');
        if item.get("selected").and_then(Value::as_bool) == Some(true) {
            html.push_str(" selected");
        }
        html.push('>');
        html.push_str(&handlebars::html_escape(&text("label")));
        html.push_str("</option>");
    }
    out.write(&html)?;
    Ok(())
}

fn first_param<'a>(h: &'a Helper, name: &'static str) -> Result<&'a Value, RenderErrorReason> {
    h.param(0)
        .map(handlebars::PathAndJson::value)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(name, 0))
}

/// A helper that formats its one parameter; a null (or a value of another
/// type) writes nothing. `{{date d}}` → `14/01/2022`, `{{datetime t}}` →
/// `22/11/2026 08:05` in Vietnam time, `{{num n}}` → `1.315`,
/// `{{decimal x}}` → `1.270,8`, `{{money n}}` → `182.900.000.000 đ`, `{{inc i}}` → i + 1.
struct Formatter {
    name: &'static str,
    format: fn(&Value) -> Option<String>,
}

impl HelperDef for Formatter {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        if let Some(text) = (self.format)(first_param(h, self.name)?) {
            out.write(&handlebars::html_escape(&text))?;
        }
        Ok(())
    }
}

const FORMATTERS: [Formatter; 7] = [
    Formatter {
        name: "date",
        format: |v| {
            let s = v.as_str()?;
            Some(
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_or_else(|_| s.to_string(), format::date),
            )
        },
    },
    Formatter {
        name: "datetime",
        format: |v| {
            let s = v.as_str()?;
            Some(
                NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                    .map_or_else(|_| s.to_string(), format::datetime),
            )
        },
    },
    // `<time datetime="{{iso_datetime t}}">`: the moment for machines.
    Formatter {
        name: "iso_datetime",
        format: |v| {
            let s = v.as_str()?;
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(format::iso_datetime)
        },
    },
    Formatter {
        name: "num",
        format: |v| v.as_i64().map(format::number),
    },
    Formatter {
        name: "decimal",
        format: |v| v.as_f64().map(format::decimal),
    },
    Formatter {
        name: "money",
        format: |v| v.as_i64().map(format::money),
    },
    // `{{inc @index}}`: counting from one for people.
    Formatter {
        name: "inc",
        format: |v| v.as_i64().map(|n| (n + 1).to_string()),
    },
];

/// `GET /static/{file}`: assets compiled into the binary.
pub async fn asset(path: web::Path<String>) -> HttpResponse {
    match Assets::get(path.as_str()) {
        Some(file) => {
            let mime = mime_guess::from_path(path.as_str()).first_or_octet_stream();
            HttpResponse::Ok()
                .content_type(mime.as_ref())
                .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
                .body(file.data.into_owned())
        }
        None => HttpResponse::NotFound().finish(),
    }
}

/// `GET /sw.js` and `GET /manifest.webmanifest`: the installable web app's
/// worker (at the root, so that it may keep every page of the site) and its
/// description, never cached by the browser so that a new one takes over.
pub async fn root_asset(req: actix_web::HttpRequest) -> HttpResponse {
    let (file, mime) = match req.path() {
        "/sw.js" => ("sw.js", "text/javascript; charset=utf-8"),
        _ => ("manifest.webmanifest", "application/manifest+json"),
    };
    match Assets::get(file) {
        Some(f) => HttpResponse::Ok()
            .content_type(mime)
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(f.data.into_owned()),
        None => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_template_compiles() {
        Views::new().unwrap();
    }

    #[test]
    fn helpers_format_the_vietnamese_way() {
        let mut hb = Handlebars::new();
        for f in FORMATTERS {
            hb.register_helper(f.name, Box::new(f));
        }
        hb.register_helper("t", Box::new(t_helper));
        let out = hb
            .render_template(
                "{{num n}} {{date d}} {{t \"login-title\"}}",
                &json!({"n": 2699, "d": "2022-01-14", "lang": "vi"}),
            )
            .unwrap();
        assert_eq!(out, "2.699 14/01/2022 Đăng nhập");
    }

    #[test]
    fn options_are_escaped_and_the_chosen_one_selected() {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_helper("options", Box::new(options_helper));
        let out = hb
            .render_template(
                "{{options list}}",
                &json!({"list": [
                    {"value": "1", "label": "Phường <Ba> Đình", "selected": false},
                    {"value": "a\"b", "label": "Tây Hồ", "selected": true},
                ]}),
            )
            .unwrap();
        assert_eq!(
            out,
            "<option value=\"1\">Phường &lt;Ba&gt; Đình</option>\
             <option value=\"a&quot;b\" selected>Tây Hồ</option>"
        );
    }
}
