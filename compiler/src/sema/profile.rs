//! Profiles: named variants of an app. A profile overrides app settings, placement rules,
//! handler settings (`exec`, `image`, `env`) and swaps standard-library sources and sinks;
//! every check runs again with the profile applied.

use std::collections::HashMap;

use smol_str::SmolStr;

use crate::app::App;
use crate::syntax::ast::{self, ItemKind, ProfileItem, ProfileMemberKind, Setting, Step};

/// A profile's members, by what they override.
#[derive(Debug, Clone, Default)]
pub struct Profile<'a> {
    pub name: SmolStr,
    pub item: Option<&'a ProfileItem>,
    /// The module the profile is declared in (names in it resolve there).
    pub module: usize,
    pub settings: Vec<&'a Setting>,
    /// `place f { ... }` by function name.
    pub places: HashMap<SmolStr, Vec<&'a ast::PlaceItem>>,
    /// `fn f { ... }` by function name.
    pub handlers: HashMap<SmolStr, Vec<&'a [Setting]>>,
    /// `replace a with b`.
    pub replacements: Vec<(&'a Step, &'a Step)>,
}

/// Every profile of the app, in source order: (module, item).
pub fn profiles(app: &App) -> Vec<(usize, &ProfileItem)> {
    let mut found = Vec::new();
    for (module, loaded) in app.modules.iter().enumerate() {
        for item in &loaded.ast.items {
            if let ItemKind::Profile(profile) = &item.kind {
                found.push((module, profile));
            }
        }
    }
    found
}

impl<'a> Profile<'a> {
    pub fn new(module: usize, item: &'a ProfileItem) -> Profile<'a> {
        let mut profile = Profile { name: item.name.text.clone(), item: Some(item), module, ..Profile::default() };
        for member in &item.members {
            match &member.kind {
                ProfileMemberKind::Setting(setting) => profile.settings.push(setting),
                ProfileMemberKind::Place(place) => {
                    profile.places.entry(place.target.text.clone()).or_default().push(place)
                }
                ProfileMemberKind::Fn { name, settings } => {
                    profile.handlers.entry(name.text.clone()).or_default().push(settings)
                }
                ProfileMemberKind::Replace { from, to } => profile.replacements.push((from, to)),
                ProfileMemberKind::Error => {}
            }
        }
        profile
    }

    /// The function a step names.
    pub fn step_name(step: &Step) -> Option<&ast::Name> {
        match &step.kind {
            ast::StepKind::Ref(name) | ast::StepKind::Call { callee: name, .. } => Some(name),
            ast::StepKind::Missing => None,
        }
    }
}
