//! Markdown for plan sections: the small subset officers need to write a plan
//! (paragraphs, headings, lists, emphasis, links, tables, line breaks, quotes
//! and code), rendered to HTML that is safe to insert into a page.
//!
//! Safety comes in two layers so that a mistake in one is caught by the other:
//!
//! 1. Before rendering, the Markdown events are rewritten: raw HTML becomes
//!    ordinary (escaped) text, links to anything but `http`, `https` and
//!    `mailto` lose their address, and images become links.
//! 2. The rendered HTML then goes through an `ammonia` sanitiser that allows
//!    only the tags listed in [`ALLOWED_TAGS`], only `href`/`title` on links
//!    and `start` on numbered lists, only absolute `http`/`https`/`mailto`
//!    URLs, and no `style`, `class` or event-handler attributes from the input.
//!
//! The GOV.UK Frontend classes are added by the sanitiser itself
//! (`set_tag_attribute_value`), after the input's own attributes have been
//! filtered, so an author can neither remove nor choose a class.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// Every tag the rendered HTML may contain.
const ALLOWED_TAGS: [&str; 20] = [
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "em",
    "strong",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "br",
    "blockquote",
    "code",
    "pre",
];

/// Fixed GOV.UK Frontend classes, set on every element of that tag.
const GOVUK_CLASSES: [(&str, &str); 13] = [
    ("p", "govuk-body"),
    ("h2", "govuk-heading-m"),
    ("h3", "govuk-heading-s"),
    ("h4", "govuk-heading-s"),
    ("ul", "govuk-list govuk-list--bullet"),
    ("ol", "govuk-list govuk-list--number"),
    ("a", "govuk-link"),
    ("table", "govuk-table"),
    ("thead", "govuk-table__head"),
    ("tbody", "govuk-table__body"),
    ("tr", "govuk-table__row"),
    ("th", "govuk-table__header"),
    ("td", "govuk-table__cell"),
];

/// URL schemes a link may use. Everything else (`javascript:`, `data:`,
/// `vbscript:`, `file:`, relative and protocol-relative URLs) is refused.
const ALLOWED_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Built once: the builder's hash sets are cheap to query but not free to
/// construct, and its configuration never changes.
static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(ALLOWED_TAGS.into_iter().collect())
        // `empty()` keeps the default "title"/"lang" on every tag; only links
        // need a title.
        .generic_attributes(Default::default())
        .tag_attributes(
            [("a", ["href", "title"].into()), ("ol", ["start"].into())]
                .into_iter()
                .collect(),
        )
        .url_schemes(ALLOWED_SCHEMES.into_iter().collect())
        // Relative URLs include `//evil.example` (protocol-relative), so they
        // are removed rather than passed through.
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true);
    for (tag, class) in GOVUK_CLASSES {
        builder.set_tag_attribute_value(tag, "class", class);
    }
    builder
});

/// Renders plan-section Markdown to sanitised HTML with GOV.UK classes.
///
/// Headings move down one level (`#` becomes `h2`, `###` and deeper become
/// `h4`) so section text never competes with the page's own `h1`. A single
/// line break in the source is kept as a line break (`<br>`), because
/// officers type into a plain text box and expect their lines to stay put.
/// Raw HTML is shown as the text the author typed, never interpreted.
pub fn render(text: &str) -> String {
    let mut unsanitised = String::with_capacity(text.len() + text.len() / 2);
    pulldown_cmark::html::push_html(&mut unsanitised, safe_events(text).into_iter());
    SANITISER.clean(&unsanitised).to_string()
}

/// Texts longer than this (in bytes) are rendered on a blocking thread, so that rendering and
/// sanitising a long section never stalls the async workers serving other requests.
pub const OFF_THREAD_BYTES: usize = 16 * 1024;

/// [`render`], run on tokio's blocking pool when the text is long; a text rendered before is
/// not rendered again (see [`render_kept`]).
pub async fn render_off_thread(text: &str) -> Result<String, tokio::task::JoinError> {
    if text.len() < OFF_THREAD_BYTES {
        return Ok(render_kept(text));
    }
    let text = text.to_owned();
    tokio::task::spawn_blocking(move || render_kept(&text)).await
}

/// The most bytes of Markdown and HTML kept by [`render_kept`]; past it, all are let go.
const MOST_KEPT_BYTES: usize = 16 * 1024 * 1024;

/// Texts longer than this are rendered every time (and not kept): few, and each would take
/// much of the bound.
const LONGEST_KEPT: usize = 256 * 1024;

/// Rendered HTML kept by the Markdown it was made from, with the bytes of both.
#[derive(Default)]
struct Rendered {
    by_text: HashMap<Arc<str>, Arc<str>>,
    bytes: usize,
}

static RENDERED: LazyLock<Mutex<Rendered>> = LazyLock::new(Mutex::default);

/// [`render`], kept: a section's text, its guidance and the partners' contributions are shown
/// far more often than they change (every view of the section page renders them all), and
/// sanitising is most of the cost of showing them. Keyed by the whole text, so a kept answer
/// is always the rendering of exactly that text; the lock is not held while rendering.
pub fn render_kept(text: &str) -> String {
    if text.len() > LONGEST_KEPT {
        return render(text);
    }
    let lock = || RENDERED.lock().unwrap_or_else(PoisonError::into_inner);
    let found = lock().by_text.get(text).map(Arc::clone);
    if let Some(html) = found {
        return html.to_string();
    }
    let html = render(text);
    let (key, value): (Arc<str>, Arc<str>) = (Arc::from(text), Arc::from(html.as_str()));
    // The map's own share of an entry, roughly: two pointers and lengths, and the hash slot.
    let bytes = text.len() + html.len() + 64;
    let mut kept = lock();
    if kept.bytes + bytes > MOST_KEPT_BYTES {
        kept.by_text.clear();
        kept.bytes = 0;
    }
    if kept.by_text.insert(key, value).is_none() {
        kept.bytes += bytes;
    }
    html
}

/// Markdown reduced to plain text, whitespace collapsed, shortened to at most
/// `max_chars` characters (the "…" included) at a word boundary.
///
/// The result is plain text: the template escapes it like any other value.
pub fn plain_text_excerpt(text: &str, max_chars: usize) -> String {
    shorten_at_word(&plain_text(text), max_chars)
}

/// Markdown reduced to the words a reader sees, whitespace collapsed: no `#`,
/// `**`, `|` or link addresses, a link's text kept, blocks, cells and lines
/// separated by a space. Raw HTML stays as the text the author typed, as
/// [`render`] shows it.
pub fn plain_text(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    for event in Parser::new_ext(text, markdown_options()) {
        match event {
            Event::Text(words)
            | Event::Code(words)
            | Event::Html(words)
            | Event::InlineHtml(words) => plain.push_str(&words),
            // Block boundaries and breaks separate words that would otherwise
            // run together ("Heading" + "Text" must not become "HeadingText").
            // Inline tags must not: "[discharges](…)." stays "discharges.".
            Event::Start(tag) if !is_inline_start(&tag) => plain.push(' '),
            Event::End(tag) if !is_inline_end(&tag) => plain.push(' '),
            Event::SoftBreak | Event::HardBreak | Event::Rule => plain.push(' '),
            _ => {}
        }
    }
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_inline_start(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

fn is_inline_end(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

fn markdown_options() -> Options {
    // Deliberately only tables: strikethrough, footnotes, task lists, maths,
    // heading attributes and the rest would produce markup outside the
    // allowed subset.
    Options::ENABLE_TABLES
}

/// The parser's events, rewritten so that what reaches the HTML writer is
/// already inside the allowed subset (the sanitiser checks again).
fn safe_events(text: &str) -> Vec<Event<'_>> {
    let mut events = Vec::new();
    // One entry per open link or image: whether its start tag was kept, so
    // the matching end tag is kept or dropped in the same way.
    let mut open_links: Vec<bool> = Vec::new();
    // Raw HTML blocks arrive a line at a time; collected so the block can
    // become one paragraph whose lines are separated by line breaks.
    let mut html_block: Option<String> = None;

    for event in Parser::new_ext(text, markdown_options()) {
        match event {
            Event::Start(Tag::HtmlBlock) => html_block = Some(String::new()),
            Event::Html(raw) => match html_block.as_mut() {
                Some(block) => block.push_str(&raw),
                None => events.push(Event::Text(raw)),
            },
            Event::End(TagEnd::HtmlBlock) => {
                let block = html_block.take().unwrap_or_default();
                push_lines_as_paragraph(&mut events, &block);
            }
            // Shown as typed: `<b>` appears as the four characters "<b>".
            Event::InlineHtml(raw) => events.push(Event::Text(raw)),

            Event::Start(Tag::Heading { level, .. }) => {
                events.push(Event::Start(Tag::Heading {
                    level: shifted(level),
                    id: None,
                    classes: Vec::new(),
                    attrs: Vec::new(),
                }));
            }
            Event::End(TagEnd::Heading(level)) => {
                events.push(Event::End(TagEnd::Heading(shifted(level))));
            }

            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let keep = is_allowed_destination(link_type, &dest_url);
                open_links.push(keep);
                if keep {
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                }
            }
            // Pictures are outside the subset, but the address the author
            // typed is kept as a link around the image's description.
            // Links cannot nest, so an image inside a link is text only.
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let inside_link = open_links.iter().any(|&kept| kept);
                let keep = !inside_link && is_allowed_destination(link_type, &dest_url);
                open_links.push(keep);
                if keep {
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                }
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if open_links.pop().unwrap_or(false) {
                    events.push(Event::End(TagEnd::Link));
                }
            }

            Event::SoftBreak => events.push(Event::HardBreak),
            // A thematic break (`---`) is decoration; `hr` is not allowed.
            Event::Rule => {}
            other => events.push(other),
        }
    }
    events
}

fn push_lines_as_paragraph<'a>(events: &mut Vec<Event<'a>>, block: &str) {
    events.push(Event::Start(Tag::Paragraph));
    for (index, line) in block.trim_end_matches('\n').split('\n').enumerate() {
        if index > 0 {
            events.push(Event::HardBreak);
        }
        events.push(Event::Text(CowStr::from(line.to_owned())));
    }
    events.push(Event::End(TagEnd::Paragraph));
}

/// One level down, capped at `h4`: the page owns `h1`.
fn shifted(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        _ => HeadingLevel::H4,
    }
}

/// Whether a link may keep its address. The parser has already decoded
/// entities and backslash escapes, so `&#106;avascript:` arrives here as
/// `javascript:`; comparing against an allow-list (rather than looking for
/// bad schemes) also rejects anything hidden by control characters.
fn is_allowed_destination(link_type: LinkType, destination: &str) -> bool {
    if link_type == LinkType::Email {
        // `<someone@example.org>`: the writer adds the `mailto:` itself, and
        // the parser only recognises plain addresses as email autolinks.
        return true;
    }
    let Some((scheme, rest)) = destination.split_once(':') else {
        return false;
    };
    ALLOWED_SCHEMES
        .iter()
        .any(|allowed| scheme.eq_ignore_ascii_case(allowed))
        && !rest.is_empty()
}

/// Cuts `text` to at most `max_chars` characters including the "…",
/// preferring to end after a whole word.
fn shorten_at_word(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    if max_chars == 0 {
        return String::new();
    }
    // Room for the text before the ellipsis.
    let budget = max_chars - 1;
    let cut = text
        .char_indices()
        .nth(budget)
        .map_or(text.len(), |(byte_index, _)| byte_index);
    let (kept, rest) = text.split_at(cut);
    let ends_on_word_boundary = rest.starts_with(' ');
    let kept = if ends_on_word_boundary {
        kept
    } else {
        // Back to the last space; a single word longer than the budget is
        // cut mid-word rather than disappearing entirely.
        kept.rfind(' ').map_or(kept, |space| &kept[..space])
    };
    let kept = kept.trim_end_matches([' ', ',', ';', ':', '-']);
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_rendering_is_the_rendering_of_exactly_that_text() {
        let texts = [
            "# Vision\n\nCare **closer** to home.",
            "# Vision\n\nCare **closer** to home!",
            "<script>alert(1)</script>",
            "",
        ];
        for _ in 0..2 {
            for text in texts {
                assert_eq!(render_kept(text), render(text), "{text:?}");
            }
        }
        // Too long to keep: rendered all the same.
        let long = "word ".repeat(LONGEST_KEPT / 5 + 1);
        assert_eq!(render_kept(&long), render(&long));
        assert!(!RENDERED.lock().unwrap().by_text.contains_key(long.as_str()));
    }

    /// Every `<tag` in the output, lower-cased, for checking that only the
    /// allowed subset appears. Escaped text cannot contain `<`.
    fn tag_names(html: &str) -> Vec<String> {
        html.split('<')
            .skip(1)
            .map(|rest| {
                rest.trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase()
            })
            .collect()
    }

    /// The markup (everything between `<` and `>`), where attributes live.
    /// Text the author typed is escaped, so it is never part of a tag.
    fn markup(html: &str) -> String {
        html.split('<')
            .skip(1)
            .filter_map(|rest| rest.split_once('>').map(|(tag, _)| tag))
            .collect::<Vec<_>>()
            .join("\n")
            .to_ascii_lowercase()
    }

    /// Nothing executable, whatever the payload.
    fn assert_inert(input: &str) -> String {
        let html = render(input);
        let lower = html.to_ascii_lowercase();
        for forbidden in ["<script", "<iframe", "<style", "<svg", "<img", "<object"] {
            assert!(!lower.contains(forbidden), "{forbidden} in {html:?}");
        }
        let markup = markup(&html);
        for forbidden in [
            "javascript:",
            "vbscript:",
            "data:",
            "onerror",
            "onload",
            "onclick",
            "style=",
            "target=",
            "srcdoc",
        ] {
            assert!(
                !markup.contains(forbidden),
                "{forbidden} in markup of {html:?}"
            );
        }
        for name in tag_names(&html) {
            assert!(
                ALLOWED_TAGS.contains(&name.as_str()),
                "<{name}> in {html:?}"
            );
        }
        for attribute in markup.split_whitespace().filter(|a| a.contains('=')) {
            let name = attribute.split('=').next().unwrap_or_default();
            assert!(
                ["href", "title", "start", "class", "rel"].contains(&name),
                "attribute {name} in {html:?}"
            );
            if name == "href" {
                assert!(
                    attribute.starts_with("href=\"http://")
                        || attribute.starts_with("href=\"https://")
                        || attribute.starts_with("href=\"mailto:"),
                    "{attribute} in {html:?}"
                );
            }
        }
        html
    }

    #[tokio::test]
    async fn long_texts_render_off_the_async_threads_with_the_same_result() {
        let long = "A paragraph with **bold** words and <b>typed tags</b>.\n\n".repeat(500);
        assert!(long.len() > OFF_THREAD_BYTES);
        assert_eq!(render_off_thread(&long).await.unwrap(), render(&long));
        assert_eq!(
            render_off_thread("*short*").await.unwrap(),
            render("*short*")
        );
    }

    #[test]
    fn paragraph_has_body_class() {
        assert_eq!(
            render("Hello world."),
            "<p class=\"govuk-body\">Hello world.</p>\n"
        );
    }

    #[test]
    fn headings_shift_down_one_level_capped_at_h4() {
        let html = render("# One\n\n## Two\n\n### Three\n\n#### Four\n\n###### Six");
        assert!(
            html.contains("<h2 class=\"govuk-heading-m\">One</h2>"),
            "{html}"
        );
        assert!(
            html.contains("<h3 class=\"govuk-heading-s\">Two</h3>"),
            "{html}"
        );
        assert!(
            html.contains("<h4 class=\"govuk-heading-s\">Three</h4>"),
            "{html}"
        );
        assert!(
            html.contains("<h4 class=\"govuk-heading-s\">Four</h4>"),
            "{html}"
        );
        assert!(
            html.contains("<h4 class=\"govuk-heading-s\">Six</h4>"),
            "{html}"
        );
        assert!(!html.contains("<h1"), "{html}");
    }

    #[test]
    fn setext_heading_is_shifted_too() {
        let html = render("Title\n=====");
        assert!(
            html.contains("<h2 class=\"govuk-heading-m\">Title</h2>"),
            "{html}"
        );
    }

    #[test]
    fn bulleted_list() {
        let html = render("- one\n- two");
        assert!(
            html.contains("<ul class=\"govuk-list govuk-list--bullet\">"),
            "{html}"
        );
        assert!(html.contains("<li>one</li>"), "{html}");
        assert!(html.contains("<li>two</li>"), "{html}");
    }

    #[test]
    fn numbered_list() {
        let html = render("1. one\n2. two");
        assert!(
            html.contains("<ol class=\"govuk-list govuk-list--number\">"),
            "{html}"
        );
        assert!(html.contains("<li>one</li>"), "{html}");
    }

    #[test]
    fn numbered_list_keeps_its_start() {
        let html = render("3. three\n4. four");
        assert!(html.contains("start=\"3\""), "{html}");
        assert!(html.contains("govuk-list--number"), "{html}");
    }

    #[test]
    fn emphasis_and_strong() {
        let html = render("*soft* and **loud** and _also_ and __this__");
        assert!(html.contains("<em>soft</em>"), "{html}");
        assert!(html.contains("<strong>loud</strong>"), "{html}");
        assert!(html.contains("<em>also</em>"), "{html}");
        assert!(html.contains("<strong>this</strong>"), "{html}");
    }

    #[test]
    fn link_gets_class_and_rel_but_no_target() {
        let html = render("[BCF guidance](https://www.gov.uk/bcf)");
        assert_eq!(
            html,
            "<p class=\"govuk-body\"><a href=\"https://www.gov.uk/bcf\" \
             class=\"govuk-link\" rel=\"noopener noreferrer\">BCF guidance</a></p>\n"
        );
        assert!(!html.contains("target"));
    }

    #[test]
    fn http_and_mailto_links_are_kept() {
        let html = render("[a](http://example.org) [b](mailto:team@example.org)");
        assert!(html.contains("href=\"http://example.org\""), "{html}");
        assert!(html.contains("href=\"mailto:team@example.org\""), "{html}");
    }

    #[test]
    fn autolinks_are_kept() {
        let html = render("<https://example.org/a> and <team@example.org>");
        assert!(html.contains("href=\"https://example.org/a\""), "{html}");
        assert!(html.contains("href=\"mailto:team@example.org\""), "{html}");
    }

    #[test]
    fn link_title_is_kept_and_escaped() {
        let html = assert_inert("[x](https://example.org \"Guidance & notes\")");
        assert!(html.contains("title=\"Guidance &amp; notes\""), "{html}");
    }

    #[test]
    fn relative_links_lose_their_address_but_keep_their_text() {
        for input in [
            "[x](/plans/1)",
            "[x](plans)",
            "[x](#top)",
            "[x](//evil.example)",
        ] {
            let html = assert_inert(input);
            assert!(!html.contains("href"), "{input}: {html}");
            assert!(html.contains(">x</p>"), "{input}: {html}");
        }
    }

    #[test]
    fn table_has_classes_on_every_part() {
        let html = render("| Area | Owner |\n|------|:-----:|\n| Care | Sam |");
        for expected in [
            "<table class=\"govuk-table\">",
            "<thead class=\"govuk-table__head\">",
            "<tbody class=\"govuk-table__body\">",
            "<tr class=\"govuk-table__row\">",
            "<th class=\"govuk-table__header\">Area</th>",
            "<td class=\"govuk-table__cell\">Care</td>",
        ] {
            assert!(html.contains(expected), "{expected} not in {html}");
        }
        // Column alignment arrives as inline style, which is dropped.
        assert!(!html.contains("style"), "{html}");
    }

    #[test]
    fn single_newline_is_a_line_break() {
        let html = render("first line\nsecond line");
        assert_eq!(
            html,
            "<p class=\"govuk-body\">first line<br>\nsecond line</p>\n"
        );
    }

    #[test]
    fn hard_break_is_a_line_break() {
        let html = render("first  \nsecond\\\nthird");
        assert_eq!(html.matches("<br>").count(), 2, "{html}");
    }

    #[test]
    fn blank_line_separates_paragraphs() {
        let html = render("one\n\ntwo");
        assert_eq!(
            html.matches("<p class=\"govuk-body\">").count(),
            2,
            "{html}"
        );
    }

    #[test]
    fn blockquote_and_code() {
        let html = render("> quoted\n\nuse `code` here\n\n```rust\nfn main() {}\n```");
        assert!(html.contains("<blockquote>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
        // The language class the writer adds is not one of ours.
        assert!(
            html.contains("<pre><code>fn main() {}\n</code></pre>"),
            "{html}"
        );
    }

    #[test]
    fn thematic_break_is_dropped() {
        let html = render("above\n\n---\n\nbelow");
        assert!(!html.contains("<hr"), "{html}");
        assert!(html.contains("above") && html.contains("below"), "{html}");
    }

    #[test]
    fn image_becomes_link_to_it() {
        let html = assert_inert("![Chart of spend](https://example.org/chart.png)");
        assert!(
            html.contains("href=\"https://example.org/chart.png\""),
            "{html}"
        );
        assert!(html.contains(">Chart of spend</a>"), "{html}");
    }

    #[test]
    fn image_inside_link_is_text_only() {
        let html = assert_inert("[![logo](https://e.org/l.png)](https://e.org)");
        assert_eq!(html.matches("<a ").count(), 1, "{html}");
        assert!(html.contains("href=\"https://e.org\""), "{html}");
    }

    #[test]
    fn extensions_outside_the_subset_stay_text() {
        let html = assert_inert("~~struck~~ - [ ] task[^1]\n\n[^1]: note");
        assert!(!html.contains("<del"), "{html}");
        assert!(!html.contains("<input"), "{html}");
    }

    #[test]
    fn only_allowed_tags_appear() {
        let everything = "# H\n\ntext *em* **strong** `code` [l](https://e.org)\nnext\n\n\
                          - a\n- b\n\n1. c\n\n> q\n\n```\npre\n```\n\n| a | b |\n|---|---|\n| c | d |";
        let html = assert_inert(everything);
        let names = tag_names(&html);
        for expected in [
            "h2",
            "p",
            "em",
            "strong",
            "code",
            "a",
            "br",
            "ul",
            "li",
            "ol",
            "blockquote",
            "pre",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} missing: {html}"
            );
        }
    }

    #[test]
    fn empty_input_renders_nothing() {
        assert_eq!(render(""), "");
        assert_eq!(render("   \n\n  "), "");
    }

    // --- hostile input -------------------------------------------------

    #[test]
    fn script_block_is_shown_as_text() {
        let html = assert_inert("<script>alert(1)</script>");
        assert_eq!(
            html,
            "<p class=\"govuk-body\">&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
        );
    }

    #[test]
    fn inline_script_is_shown_as_text() {
        let html = assert_inert("Hello <script>alert(1)</script> there");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
    }

    #[test]
    fn img_onerror_is_inert() {
        let html = assert_inert("<img src=x onerror=alert(1)>");
        assert!(html.contains("&lt;img"), "{html}");
        let html = assert_inert("text <img src=x onerror=alert(1)> text");
        assert!(html.contains("&lt;img"), "{html}");
    }

    #[test]
    fn raw_html_javascript_link_is_inert() {
        let html = assert_inert("<a href=\"javascript:alert(1)\">x</a>");
        assert!(!html.contains("<a "), "{html}");
        let html = assert_inert("see <a href=\"javascript:alert(1)\">x</a>");
        assert!(!html.contains("<a "), "{html}");
    }

    #[test]
    fn markdown_javascript_links_lose_their_address() {
        for input in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](  javascript:alert(1)  )",
            "[x](<javascript:alert(1)>)",
            "[x](&#106;avascript:alert(1))",
            "[x](&#x6A;avascript&#58;alert(1))",
            "[x](java\\script:alert(1))",
            "[x](jav&#x09;ascript:alert(1))",
            "[x](vbscript:msgbox(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](DATA:text/html,<script>alert(1)</script>)",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "![x](javascript:alert(1))",
        ] {
            let html = assert_inert(input);
            // Here nothing of the address is shown, so even as text the
            // scheme must be gone.
            let lower = html.to_ascii_lowercase();
            assert!(!lower.contains("javascript:"), "{input}: {html}");
            assert!(!lower.contains("href"), "{input}: {html}");
        }
    }

    #[test]
    fn javascript_autolink_is_plain_text() {
        // The link text is the address itself, so it stays visible as text.
        let html = assert_inert("<javascript:alert(1)>");
        assert_eq!(html, "<p class=\"govuk-body\">javascript:alert(1)</p>\n");
    }

    #[test]
    fn svg_iframe_style_object_are_inert() {
        for input in [
            "<svg onload=alert(1)>",
            "<svg><script>alert(1)</script></svg>",
            "<iframe src=//evil></iframe>",
            "<iframe srcdoc=\"<script>alert(1)</script>\">",
            "<style>body{display:none}</style>",
            "<style>\n@import url(//evil);\n</style>\n\ntext",
            "<object data=\"javascript:alert(1)\"></object>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<p style=\"color:red\" class=\"x\" onclick=\"alert(1)\">hi</p>",
            "<!-- <script>alert(1)</script> -->",
            "<div><script>alert(1)</script></div>",
        ] {
            let html = assert_inert(input);
            assert!(html.contains("&lt;"), "{input} lost entirely: {html}");
        }
    }

    #[test]
    fn quote_breaking_link_title_is_escaped() {
        let html = assert_inert("[x](https://example.org \"\\\"><script>alert(1)</script>\")");
        assert!(html.contains("href=\"https://example.org\""), "{html}");
        assert!(html.contains("title=\"&quot;&gt;&lt;script&gt;"), "{html}");
    }

    #[test]
    fn quote_breaking_link_destination_is_escaped() {
        let html = assert_inert("[x](https://example.org/\"onmouseover=\"alert(1))");
        assert!(!markup(&html).contains("onmouseover=\""), "{html}");
    }

    #[test]
    fn entity_tricks_stay_text() {
        let html = assert_inert("&#60;script&#62;alert(1)&#60;/script&#62; &lt;b&gt;");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("&lt;b&gt;"), "{html}");
    }

    #[test]
    fn heading_with_raw_html_is_inert() {
        let html = assert_inert("# Title <img src=x onerror=alert(1)>");
        assert!(html.starts_with("<h2 class=\"govuk-heading-m\">"), "{html}");
    }

    #[test]
    fn table_cell_with_raw_html_is_inert() {
        assert_inert("| a |\n|---|\n| <script>alert(1)</script> |");
    }

    #[test]
    fn multi_line_html_block_keeps_its_lines() {
        let html = assert_inert("<div>\nfirst\nsecond\n</div>");
        assert_eq!(
            html,
            "<p class=\"govuk-body\">&lt;div&gt;<br>\nfirst<br>\nsecond<br>\n&lt;/div&gt;</p>\n"
        );
    }

    // --- excerpts --------------------------------------------------------

    #[test]
    fn plain_text_keeps_the_words_a_reader_sees() {
        assert_eq!(
            plain_text(
                "## Our vision\n\nWe will **reduce** [admissions](https://example.org/a) by *5%*.\n\n- fewer\n- shorter stays\n\n| Year | Spend |\n| --- | --- |\n| 2014/15 | £3m |\n\n> quoted `code`"
            ),
            "Our vision We will reduce admissions by 5%. fewer shorter stays Year Spend 2014/15 £3m quoted code"
        );
        assert_eq!(plain_text(""), "");
        assert_eq!(plain_text("<b>as typed</b>"), "<b>as typed</b>");
    }

    #[test]
    fn excerpt_strips_markdown() {
        let text =
            "# Aims\n\nWe will **reduce** delayed [discharges](https://e.org).\n\n- one\n- two";
        assert_eq!(
            plain_text_excerpt(text, 200),
            "Aims We will reduce delayed discharges. one two"
        );
    }

    #[test]
    fn excerpt_separates_blocks_but_not_inline_markup() {
        assert_eq!(
            plain_text_excerpt(
                "**Bold**ly *em*phasised\n\n| a | b |\n|---|---|\n| c | d |",
                50
            ),
            "Boldly emphasised a b c d"
        );
    }

    #[test]
    fn excerpt_separates_nested_list_items() {
        assert_eq!(
            plain_text_excerpt("- one\n  - nested\n- two", 40),
            "one nested two"
        );
    }

    #[test]
    fn excerpt_collapses_whitespace() {
        assert_eq!(plain_text_excerpt("  a \t b\n\n\n c  ", 50), "a b c");
    }

    #[test]
    fn excerpt_short_text_is_unchanged() {
        assert_eq!(plain_text_excerpt("Short text", 10), "Short text");
    }

    #[test]
    fn excerpt_cuts_at_word_boundary() {
        let excerpt = plain_text_excerpt("The quick brown fox jumps over", 14);
        assert_eq!(excerpt, "The quick…");
        assert!(excerpt.chars().count() <= 14);
    }

    #[test]
    fn excerpt_keeps_word_ending_exactly_at_the_cut() {
        // "The quick brown" is 15 characters; with the ellipsis 16.
        assert_eq!(
            plain_text_excerpt("The quick brown fox", 16),
            "The quick brown…"
        );
    }

    #[test]
    fn excerpt_drops_trailing_punctuation_before_ellipsis() {
        assert_eq!(
            plain_text_excerpt("Health, care, housing", 14),
            "Health, care…"
        );
    }

    #[test]
    fn excerpt_cuts_a_very_long_word() {
        assert_eq!(plain_text_excerpt("Supercalifragilistic", 6), "Super…");
    }

    #[test]
    fn excerpt_counts_characters_not_bytes() {
        let excerpt = plain_text_excerpt("Café naïve élan über straße", 12);
        assert_eq!(excerpt, "Café naïve…");
        assert!(excerpt.chars().count() <= 12);
    }

    #[test]
    fn excerpt_edge_lengths() {
        assert_eq!(plain_text_excerpt("anything", 0), "");
        assert_eq!(plain_text_excerpt("anything", 1), "…");
        assert_eq!(plain_text_excerpt("", 5), "");
    }

    #[test]
    fn excerpt_keeps_raw_html_as_text() {
        assert_eq!(
            plain_text_excerpt("Hello <b>there</b>", 50),
            "Hello <b>there</b>"
        );
    }
}
