//! Themes: `themes/*.toml` compiled in; a user file overrides only the colours
//! it names (on top of `base`, default `dark`); `NO_COLOR` drops every colour
//! and keeps the glyphs and modifiers that carry the meaning. Colours only:
//! must not lay out, change app state or draw.

use ratatui::style::{Color, Modifier, Style};
use std::path::Path;
use std::str::FromStr;

/// The built-in themes, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("colorblind", include_str!("../../themes/colorblind.toml")),
];

macro_rules! theme_struct {
    ($($field:ident),* $(,)?) => {
        /// Colours of every element kord draws.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct Theme {
            /// Set when `NO_COLOR` is honoured: styles keep only modifiers.
            pub no_color: bool,
            $(pub $field: Color,)*
        }

        impl Theme {
            /// Sets one colour by its file name; false if the name is unknown.
            fn set(&mut self, name: &str, c: Color) -> bool {
                match name {
                    $(stringify!($field) => self.$field = c,)*
                    _ => return false,
                }
                true
            }

            /// The names a theme file may set.
            pub fn names() -> &'static [&'static str] {
                &[$(stringify!($field),)*]
            }

            fn blank() -> Theme {
                Theme { no_color: false, $($field: Color::Reset,)* }
            }
        }
    };
}

theme_struct!(
    fg,
    bg,
    dim,
    accent,
    border,
    title,
    header,
    selection_bg,
    cursor_bg,
    applied,
    rejected,
    skipped,
    buffered,
    released,
    expired,
    dead_lettered,
    gap,
    hol,
    blocker,
    hot,
    finding,
    bookmark,
    ok,
    warn,
    error,
);

impl Default for Theme {
    fn default() -> Theme {
        let mut t = Theme::blank();
        // The built-in file is checked by a test; a broken one leaves Reset colours.
        let _ = t.apply_toml(BUILTIN[0].1, "dark");
        t
    }
}

impl Theme {
    /// A built-in theme by name.
    pub fn builtin(name: &str) -> Option<Theme> {
        let text = BUILTIN.iter().find(|(n, _)| *n == name)?.1;
        let mut t = Theme::blank();
        t.apply_toml(text, name).ok()?;
        Some(t)
    }

    /// Resolves `--theme NAME|FILE` (None: dark) and applies `NO_COLOR`.
    pub fn resolve(spec: Option<&str>, no_color: bool) -> Result<Theme, String> {
        let mut t = match spec {
            None => Theme::default(),
            Some(name) => match Theme::builtin(name) {
                Some(t) => t,
                None => {
                    let path = Path::new(name);
                    if !path.is_file() {
                        let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
                        return Err(format!(
                            "--theme {name:?}: neither a built-in theme ({}) nor a file",
                            names.join(", ")
                        ));
                    }
                    let text = std::fs::read_to_string(path)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    Theme::from_user_toml(&text, &path.display().to_string())?
                }
            },
        };
        t.no_color = no_color;
        Ok(t)
    }

    /// A user theme: `base` (a built-in, default dark) patched by `[colors]`.
    pub fn from_user_toml(text: &str, origin: &str) -> Result<Theme, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        let base = match table.get("base") {
            None => "dark",
            Some(toml::Value::String(s)) => s.as_str(),
            Some(_) => return Err(format!("{origin}: `base` must be a theme name")),
        };
        let mut t =
            Theme::builtin(base).ok_or_else(|| format!("{origin}: unknown base theme {base:?}"))?;
        t.apply_toml(text, origin)?;
        Ok(t)
    }

    /// Applies the colours a TOML text names; unknown names are errors with their line.
    fn apply_toml(&mut self, text: &str, origin: &str) -> Result<(), String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        for key in table.keys() {
            if key != "colors" && key != "base" {
                return Err(format!(
                    "{origin}:{}: unknown key `{key}` (expected `base` or [colors])",
                    line_of(text, key)
                ));
            }
        }
        let Some(colors) = table.get("colors") else {
            return Ok(());
        };
        let Some(colors) = colors.as_table() else {
            return Err(format!("{origin}: `colors` must be a table"));
        };
        for (name, value) in colors {
            let line = line_of(text, name);
            let Some(s) = value.as_str() else {
                return Err(format!("{origin}:{line}: `{name}` must be a string"));
            };
            let c = Color::from_str(s.trim())
                .map_err(|_| format!("{origin}:{line}: `{name}`: not a colour: {s:?}"))?;
            if !self.set(name, c) {
                return Err(format!(
                    "{origin}:{line}: unknown colour `{name}`; known: {}",
                    Theme::names().join(", ")
                ));
            }
        }
        Ok(())
    }

    /// A style with this foreground (none under `NO_COLOR`).
    pub fn fg(&self, c: Color) -> Style {
        if self.no_color {
            Style::default()
        } else {
            Style::default().fg(c)
        }
    }

    /// A style with this background (reversed video under `NO_COLOR`).
    pub fn bg(&self, c: Color) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().bg(c)
        }
    }

    /// The base text style.
    pub fn text(&self) -> Style {
        if self.no_color {
            Style::default()
        } else {
            Style::default().fg(self.fg).bg(self.bg)
        }
    }

    /// Dimmed text.
    pub fn dim(&self) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            Style::default().fg(self.dim)
        }
    }

    /// Borders.
    pub fn border(&self) -> Style {
        self.fg(self.border)
    }

    /// The selected row.
    pub fn selection(&self) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::BOLD)
        } else {
            Style::default().bg(self.selection_bg)
        }
    }
}

/// The 1-based line where `key` is first set in a TOML text (0 if not found).
fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
                || l.strip_prefix('"')
                    .and_then(|r| r.strip_prefix(key))
                    .is_some_and(|r| r.starts_with('"'))
        })
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_and_set_every_colour() {
        for (name, text) in BUILTIN {
            let mut t = Theme::blank();
            t.apply_toml(text, name).unwrap();
            let table: toml::Table = toml::from_str(text).unwrap();
            let n = table["colors"].as_table().unwrap().len();
            assert_eq!(n, Theme::names().len(), "{name} sets every colour");
        }
    }

    #[test]
    fn user_file_overrides_only_what_it_names() {
        let t = Theme::from_user_toml("[colors]\nrejected = \"#010203\"\n", "user").unwrap();
        let d = Theme::default();
        assert_eq!(t.rejected, Color::Rgb(1, 2, 3));
        assert_eq!(t.applied, d.applied);
        let l = Theme::from_user_toml("base = \"light\"\n[colors]\nhot = \"red\"\n", "u").unwrap();
        assert_eq!(l.applied, Theme::builtin("light").unwrap().applied);
        assert_eq!(l.hot, Color::Red);
    }

    #[test]
    fn unknown_colour_names_its_line() {
        let e = Theme::from_user_toml("[colors]\n\nnope = \"red\"\n", "f.toml").unwrap_err();
        assert!(e.contains("f.toml:3"), "{e}");
        let e = Theme::from_user_toml("[colors]\napplied = \"notacolour\"\n", "f").unwrap_err();
        assert!(e.contains("f:2"), "{e}");
    }

    #[test]
    fn no_color_drops_colours() {
        let t = Theme::resolve(None, true).unwrap();
        assert_eq!(t.fg(t.rejected), Style::default());
    }
}
