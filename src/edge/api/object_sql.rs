//! A Durable Object's SQLite storage as named text values, split into rows of at most 1 MiB
//! (a row holds at most 2 MB), so a large zone's text fits. Writes in one `fetch` without an
//! await in between are atomic: the runtime commits them together.

use serde::Deserialize;
use worker::{Result, SqlStorage, SqlStorageValue, State};

/// The largest piece of a value one row holds.
const ROW_BYTES: usize = 1024 * 1024;

/// Named text values in an object's SQL storage.
pub struct ObjectSql(SqlStorage);

#[derive(Deserialize)]
struct Row {
    value: String,
}

impl ObjectSql {
    /// The storage of `state`'s object, with its one table.
    pub fn open(state: &State) -> Result<ObjectSql> {
        let sql = state.storage().sql();
        sql.exec(
            "CREATE TABLE IF NOT EXISTS named (name TEXT NOT NULL, part INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, part))",
            None,
        )?;
        Ok(ObjectSql(sql))
    }

    /// The value `name`, if stored.
    pub fn get(&self, name: &str) -> Result<Option<String>> {
        let rows: Vec<Row> = self
            .0
            .exec(
                "SELECT value FROM named WHERE name = ? ORDER BY part",
                vec![SqlStorageValue::from(name.to_string())],
            )?
            .to_array()?;
        if rows.is_empty() {
            return Ok(None);
        }
        Ok(Some(rows.into_iter().map(|r| r.value).collect()))
    }

    /// Stores `value` as `name`, replacing any value before.
    pub fn put(&self, name: &str, value: &str) -> Result<()> {
        self.delete(name)?;
        let mut rest = value;
        let mut part = 0i64;
        loop {
            let mut cut = rest.len().min(ROW_BYTES);
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            let (piece, next) = rest.split_at(cut);
            self.0.exec(
                "INSERT INTO named (name, part, value) VALUES (?, ?, ?)",
                vec![
                    SqlStorageValue::from(name.to_string()),
                    SqlStorageValue::from(part),
                    SqlStorageValue::from(piece.to_string()),
                ],
            )?;
            if next.is_empty() {
                return Ok(());
            }
            rest = next;
            part += 1;
        }
    }

    /// Removes the value `name`.
    pub fn delete(&self, name: &str) -> Result<()> {
        self.0.exec(
            "DELETE FROM named WHERE name = ?",
            vec![SqlStorageValue::from(name.to_string())],
        )?;
        Ok(())
    }
}
