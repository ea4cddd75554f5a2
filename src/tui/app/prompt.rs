//! Prompts and overlays: the `/` filter and `:` command prompts as typed,
//! the help and compare overlays, the panels shown, the theme. A submitted
//! command line becomes an `Action::Command`, which `crate::tui::command`
//! parses; this module must not parse commands or draw.

use super::{App, Overlay, Prompt};
use crate::tui::action::Action;

/// Applies a prompt or overlay action; hands any other back.
pub(super) fn update(app: &mut App, action: Action) -> Result<Option<Action>, Action> {
    match action {
        Action::ToggleHelp => {
            app.help_scroll = 0;
            app.overlay = if app.overlay == Overlay::Help {
                Overlay::None
            } else {
                Overlay::Help
            }
        }
        Action::CloseOverlay => app.overlay = Overlay::None,
        Action::ShowHelp => app.overlay = Overlay::Help,
        Action::ToggleCompare => {
            if app.overlay == Overlay::Compare {
                app.overlay = Overlay::None;
            } else {
                app.overlay = Overlay::Compare;
                app.request_compare();
            }
        }
        Action::ShowCompare => {
            app.overlay = Overlay::Compare;
            app.request_compare();
        }
        Action::ToggleInspector => {
            app.show_inspector = Some(!app.inspector_visible());
            app.scroll_into_view();
        }
        Action::ToggleConsumers => {
            app.show_consumers = !app.show_consumers;
            app.scroll_into_view();
        }
        Action::StartFilter => app.prompt = Prompt::Filter(app.filter.clone()),
        Action::StartCommand => app.prompt = Prompt::Command(String::new()),
        Action::Input(c) => match &mut app.prompt {
            Prompt::Filter(s) => {
                s.push(c);
                let f = s.clone();
                app.filter = f;
                app.rebuild_rows();
                app.refresh();
            }
            Prompt::Command(s) => s.push(c),
            Prompt::None => {}
        },
        Action::Backspace => match &mut app.prompt {
            Prompt::Filter(s) => {
                s.pop();
                let f = s.clone();
                app.filter = f;
                app.rebuild_rows();
                app.refresh();
            }
            Prompt::Command(s) => {
                s.pop();
            }
            Prompt::None => {}
        },
        Action::Submit => {
            let p = std::mem::replace(&mut app.prompt, Prompt::None);
            if let Prompt::Command(c) = p {
                return Ok(Some(Action::Command(c)));
            }
        }
        Action::Cancel => {
            if app.prompt != Prompt::None {
                if let Prompt::Filter(_) = app.prompt {
                    app.filter.clear();
                    app.rebuild_rows();
                    app.refresh();
                }
                app.prompt = Prompt::None;
            } else if app.overlay != Overlay::None {
                app.overlay = Overlay::None;
            } else if !app.filter.is_empty() {
                app.filter.clear();
                app.rebuild_rows();
                app.refresh();
            }
        }
        Action::SetTheme(name) => match crate::tui::theme::Theme::builtin(&name) {
            Some(mut t) => {
                t.no_color = app.theme.no_color;
                app.theme = t;
            }
            None => app.set_status("themes: dark, light, colorblind", true),
        },
        other => return Err(other),
    }
    Ok(None)
}
