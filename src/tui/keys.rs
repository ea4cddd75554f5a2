//! Keys and mouse to actions. The map depends only on whether a prompt or
//! overlay is open, so it is a plain function (and testable). It must not
//! change state: clicks are placed by `layout::click` inside `update`.

use super::app::{Action, App, Overlay, Prompt};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

/// The action for a key press, if any.
pub fn map_key(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('q')) {
        return Some(Action::Quit);
    }
    if app.prompt != Prompt::None {
        return match key.code {
            KeyCode::Esc => Some(Action::Cancel),
            KeyCode::Enter => Some(Action::Submit),
            KeyCode::Backspace => Some(Action::Backspace),
            KeyCode::Char(c) => Some(Action::Input(c)),
            _ => None,
        };
    }
    if app.ds.is_none() {
        // Loading or failed: only quitting makes sense.
        return matches!(key.code, KeyCode::Char('q') | KeyCode::Esc).then_some(Action::Quit);
    }
    if app.overlay != Overlay::None {
        match key.code {
            KeyCode::Esc => return Some(Action::Cancel),
            KeyCode::Char('?') if app.overlay == Overlay::Help => return Some(Action::ToggleHelp),
            KeyCode::Char('c') if app.overlay == Overlay::Compare => {
                return Some(Action::ToggleCompare)
            }
            _ => {}
        }
    }
    let a = match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Esc => Action::Cancel,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Char('.') => Action::Step(1),
        KeyCode::Char(',') => Action::Step(-1),
        KeyCode::Char('>') => Action::Step(100),
        KeyCode::Char('<') => Action::Step(-100),
        KeyCode::Char('n') => Action::NextFinding,
        KeyCode::Char('N') => Action::PrevFinding,
        KeyCode::Char('f') => Action::CycleFindingKind,
        KeyCode::Char('F') => Action::FindContent,
        KeyCode::Char(' ') => Action::TogglePlay,
        KeyCode::Char('+') | KeyCode::Char('=') => Action::Faster,
        KeyCode::Char('-') => Action::Slower,
        KeyCode::Home => Action::SeekStart,
        KeyCode::End => Action::SeekEnd,
        KeyCode::Char('m') => Action::ToggleBookmark,
        KeyCode::Char('b') => Action::NextBookmark,
        KeyCode::Char('B') => Action::PrevBookmark,
        KeyCode::Up | KeyCode::Char('k') => Action::Rows(-1),
        KeyCode::Down | KeyCode::Char('j') => Action::Rows(1),
        KeyCode::Left | KeyCode::Char('h') => Action::Cols(-1),
        KeyCode::Right | KeyCode::Char('l') => Action::Cols(1),
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Char('u') if ctrl => Action::PageUp,
        KeyCode::Char('d') if ctrl => Action::PageDown,
        KeyCode::Char('g') => Action::Top,
        KeyCode::Char('G') => Action::Bottom,
        KeyCode::Char('0') => Action::FirstColumn,
        KeyCode::Char('$') => Action::LastColumn,
        KeyCode::Char('/') => Action::StartFilter,
        KeyCode::Char(':') => Action::StartCommand,
        KeyCode::Char('o') => Action::CycleSort,
        KeyCode::Enter => Action::Step(0),
        KeyCode::Char('s') => Action::NextStrategy,
        KeyCode::Char('S') => Action::PrevStrategy,
        KeyCode::Char('c') => Action::ToggleCompare,
        KeyCode::Char('i') => Action::ToggleInspector,
        KeyCode::Char('C') => Action::ToggleConsumers,
        KeyCode::Char('E') => Action::ExportReport,
        KeyCode::Char('a') => Action::AddConsumer,
        KeyCode::Char('x') => Action::RemoveConsumer,
        KeyCode::Char('K') => Action::KillConsumer,
        KeyCode::Char('w') => Action::NextWhatIf,
        _ => return None,
    };
    Some(a)
}

/// The action for a mouse event, if any.
pub fn map_mouse(m: MouseEvent) -> Option<Action> {
    match m.kind {
        MouseEventKind::Down(_) => Some(Action::Click(m.column, m.row)),
        MouseEventKind::ScrollUp => Some(Action::ScrollUp),
        MouseEventKind::ScrollDown => Some(Action::ScrollDown),
        _ => None,
    }
}
